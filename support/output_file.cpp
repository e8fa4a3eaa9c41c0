// OutputFile and FdOutputBuffer (support/output_file.h), and the registry of
// temporary files the signal handler removes. The registry is a fixed table of
// slots with atomic flags and fixed-size path buffers, so the handler only
// reads memory that is never reallocated and calls nothing but unlink and raise.
#include "support/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <mutex>

namespace vic {

namespace {

constexpr size_t kBufferBytes = 1 << 16;

// Temporary files the signal handler removes. A slot is claimed by one
// OutputFile; `armed` says its path is complete and the file exists.
constexpr int kMaxTemporaryFiles = 16;
constexpr size_t kMaxTemporaryPath = 4096;
struct TemporaryFileSlot {
  std::atomic<bool> claimed{false};
  std::atomic<bool> armed{false};
  char path[kMaxTemporaryPath];
};
TemporaryFileSlot g_temporary_files[kMaxTemporaryFiles];

// The signals that would kill vic with a temporary file left behind.
constexpr int kCleanupSignals[] = {SIGHUP, SIGINT, SIGPIPE, SIGTERM};

extern "C" void remove_temporary_files_and_reraise(int signal_number) {
  for (TemporaryFileSlot& slot : g_temporary_files) {
    if (slot.armed.load()) unlink(slot.path);
  }
  // SA_RESETHAND restored the default action; the signal stays blocked until
  // this handler returns, then kills the process as it would have.
  raise(signal_number);
}

// Installs the handler for each signal whose action is still the default (an
// ignored signal stays ignored: it cannot leave a temporary file behind).
void install_cleanup_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int signal_number : kCleanupSignals) {
      struct sigaction current {};
      if (sigaction(signal_number, nullptr, &current) != 0 || current.sa_handler != SIG_DFL) continue;
      struct sigaction action {};
      action.sa_handler = remove_temporary_files_and_reraise;
      sigemptyset(&action.sa_mask);
      action.sa_flags = SA_RESETHAND;
      sigaction(signal_number, &action, nullptr);
    }
  });
}

// Registers `path` for removal on a signal. When the table is full or the
// path too long, a signal leaves that file behind (nothing else changes).
void register_temporary_file(const std::string& path) {
  if (path.size() >= kMaxTemporaryPath) return;
  install_cleanup_handlers();
  for (TemporaryFileSlot& slot : g_temporary_files) {
    bool expected = false;
    if (!slot.claimed.compare_exchange_strong(expected, true)) continue;
    std::memcpy(slot.path, path.c_str(), path.size() + 1);
    slot.armed.store(true);
    return;
  }
}

// Forgets the slot of `path`, if it has one.
void unregister_temporary_file(const std::string& path) {
  for (TemporaryFileSlot& slot : g_temporary_files) {
    if (slot.claimed.load() && slot.armed.load() && path == slot.path) {
      slot.armed.store(false);
      slot.claimed.store(false);
      return;
    }
  }
}

// The mode a new file gets from open(..., 0666): the process's umask applied.
mode_t default_file_mode() {
  mode_t mask = umask(0);
  umask(mask);
  return 0666 & ~mask;
}

// Whether `st` is the file one of the standard streams writes to.
int standard_stream_writing_to(const struct stat& st) {
  for (int fd : {STDOUT_FILENO, STDERR_FILENO}) {
    struct stat stream {};
    if (fstat(fd, &stream) == 0 && stream.st_dev == st.st_dev && stream.st_ino == st.st_ino) return fd;
  }
  return -1;
}

}  // namespace

std::string describe_write_error(const std::string& path, int error_number) {
  return "cannot write '" + path + "': " + std::strerror(error_number);
}

FdOutputBuffer::FdOutputBuffer(int fd) : fd_(fd), buffer_(kBufferBytes) {
  setp(buffer_.data(), buffer_.data() + buffer_.size());
}

bool FdOutputBuffer::write_all(const char* data, size_t size) {
  while (size > 0) {
    ssize_t written = ::write(fd_, data, size);
    if (written < 0) {
      if (errno == EINTR) continue;
      error_ = errno;
      return false;
    }
    data += written;
    size -= static_cast<size_t>(written);
  }
  return true;
}

bool FdOutputBuffer::flush_buffer() {
  size_t pending = static_cast<size_t>(pptr() - pbase());
  setp(buffer_.data(), buffer_.data() + buffer_.size());
  if (error_ != 0) return false;
  return write_all(buffer_.data(), pending);
}

FdOutputBuffer::int_type FdOutputBuffer::overflow(int_type ch) {
  if (!flush_buffer()) return traits_type::eof();
  if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
  *pptr() = traits_type::to_char_type(ch);
  pbump(1);
  return ch;
}

std::streamsize FdOutputBuffer::xsputn(const char* data, std::streamsize size) {
  if (error_ != 0) return 0;
  std::streamsize room = epptr() - pptr();
  if (size <= room) {
    std::memcpy(pptr(), data, static_cast<size_t>(size));
    pbump(static_cast<int>(size));
    return size;
  }
  if (!flush_buffer()) return 0;
  if (static_cast<size_t>(size) >= buffer_.size()) return write_all(data, static_cast<size_t>(size)) ? size : 0;
  std::memcpy(pptr(), data, static_cast<size_t>(size));
  pbump(static_cast<int>(size));
  return size;
}

int FdOutputBuffer::sync() { return flush_buffer() ? 0 : -1; }

Expected<std::unique_ptr<OutputFile>> OutputFile::open(const std::string& path) {
  namespace fs = std::filesystem;
  auto failure = [&path](int error_number) -> Expected<std::unique_ptr<OutputFile>> {
    return Error{describe_write_error(path, error_number)};
  };

  if (path.empty()) return failure(ENOENT);
  struct stat target_stat {};
  bool exists = ::stat(path.c_str(), &target_stat) == 0;
  if (!exists && errno != ENOENT) return failure(errno);

  if (exists) {
    // Standard output or error itself: write through it, sharing its offset,
    // so what the process prints there and the file's content do not overwrite
    // each other.
    if (int stream_fd = standard_stream_writing_to(target_stat); stream_fd >= 0) {
      int fd = ::fcntl(stream_fd, F_DUPFD_CLOEXEC, 0);
      if (fd < 0) return failure(errno);
      return std::unique_ptr<OutputFile>(new OutputFile(path, fd, path, ""));
    }
    if (!S_ISREG(target_stat.st_mode)) {
      // A device, a FIFO, a directory: renaming would replace it.
      int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
      if (fd < 0) return failure(errno);
      return std::unique_ptr<OutputFile>(new OutputFile(path, fd, path, ""));
    }
  }

  // A regular file or a new one: a temporary file beside the target, with the
  // symbolic links of the path followed so the link survives.
  std::error_code ec;
  fs::path absolute = fs::absolute(path, ec);
  if (ec) return failure(ec.value());
  fs::path target = fs::weakly_canonical(absolute, ec);
  if (ec) return failure(ec.value());
  fs::path directory = target.parent_path();
  std::string temporary = (directory / ("." + target.filename().string() + ".vic-XXXXXX")).string();
  // The file is registered for removal before a signal can see it: a signal
  // arriving between its creation and its registration waits (blocked) until
  // the handler knows the file, rather than killing vic with the file left.
  install_cleanup_handlers();
  sigset_t cleanup_signals, previous;
  sigemptyset(&cleanup_signals);
  for (int signal_number : kCleanupSignals) sigaddset(&cleanup_signals, signal_number);
  pthread_sigmask(SIG_BLOCK, &cleanup_signals, &previous);
  int fd = ::mkostemp(temporary.data(), O_CLOEXEC);
  const int create_error = errno;
  if (fd >= 0) register_temporary_file(temporary);
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (fd < 0) return failure(create_error);
  // mkostemp creates the file with mode 0600: give it the target's mode, or
  // the mode a plain open() would have given a new file.
  mode_t mode = exists ? (target_stat.st_mode & 07777) : default_file_mode();
  if (::fchmod(fd, mode) != 0) {
    int error_number = errno;
    ::close(fd);
    ::unlink(temporary.c_str());
    unregister_temporary_file(temporary);
    return failure(error_number);
  }
  return std::unique_ptr<OutputFile>(new OutputFile(path, fd, target.string(), temporary));
}

OutputFile::OutputFile(std::string path, int fd, std::string target, std::string temporary_path)
    : path_(std::move(path)),
      fd_(fd),
      target_(std::move(target)),
      temporary_path_(std::move(temporary_path)),
      buffer_(fd),
      stream_(&buffer_) {}

OutputFile::~OutputFile() {
  if (!finished_) abandon();
}

void OutputFile::abandon() {
  finished_ = true;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!temporary_path_.empty()) {
    ::unlink(temporary_path_.c_str());
    unregister_temporary_file(temporary_path_);
  }
}

Status OutputFile::commit() {
  auto failure = [this](int error_number) -> Status {
    abandon();
    return Error{describe_write_error(path_, error_number)};
  };
  if (finished_) return Error{"cannot write '" + path_ + "': the file was already closed"};
  stream_.flush();
  if (buffer_.error() != 0) return failure(buffer_.error());
  if (!stream_) return failure(EIO);
  if (!temporary_path_.empty() && ::fsync(fd_) != 0) return failure(errno);
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0 && errno != EINTR) return failure(errno);
  if (!temporary_path_.empty()) {
    if (::rename(temporary_path_.c_str(), target_.c_str()) != 0) return failure(errno);
    unregister_temporary_file(temporary_path_);
    // Make the rename itself durable; a failure here does not undo it.
    std::string directory = std::filesystem::path(target_).parent_path().string();
    int directory_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (directory_fd >= 0) {
      ::fsync(directory_fd);
      ::close(directory_fd);
    }
  }
  finished_ = true;
  return Status::ok();
}

}  // namespace vic
