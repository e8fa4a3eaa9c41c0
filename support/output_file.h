// Output files that are either complete or untouched. An OutputFile writes a
// regular file through a temporary file beside it (same directory, a unique
// name such as `.fit.csv.vic-a1B2c3`), fsyncs it and renames it over the target
// only when everything was written: a full disk, an error or a kill midway
// leaves the previous file as it was, and two writers of one path never
// interleave (each renames its own complete file; the last one wins). On
// SIGHUP, SIGINT, SIGPIPE and SIGTERM an async-signal-safe handler removes the
// temporary files still open and re-raises the signal with its default action.
// A target that exists and is not a regular file (/dev/stdout, a FIFO,
// /dev/null) is written directly, as is the file the process's standard output
// or error already writes to. Every failure carries errno's text.
#pragma once

#include <memory>
#include <ostream>
#include <streambuf>
#include <string>
#include <vector>

#include "support/expected.h"

namespace vic {

// A buffered std::streambuf over a file descriptor it does not own. It
// remembers the errno of the first failed write; after a failure it discards
// what it is given, so the stream's badbit is set and the error is not lost.
class FdOutputBuffer : public std::streambuf {
 public:
  explicit FdOutputBuffer(int fd);
  FdOutputBuffer(const FdOutputBuffer&) = delete;
  FdOutputBuffer& operator=(const FdOutputBuffer&) = delete;

  // The errno of the first write that failed; 0 if every write succeeded.
  int error() const { return error_; }

 protected:
  int_type overflow(int_type ch) override;
  std::streamsize xsputn(const char* data, std::streamsize size) override;
  int sync() override;

 private:
  // Writes the buffered bytes out; false (with error_ set) on failure.
  bool flush_buffer();
  // Writes `size` bytes straight to the descriptor, retrying short writes.
  bool write_all(const char* data, size_t size);

  int fd_;
  int error_ = 0;
  std::vector<char> buffer_;
};

// "cannot write 'PATH': TEXT" with TEXT errno's description (strerror).
std::string describe_write_error(const std::string& path, int error_number);

// One output file being written; see the top of this file. Not copyable.
class OutputFile {
 public:
  // Prepares `path` for writing: creates the temporary file beside a regular
  // (or not yet existing) target, or opens a non-regular target directly. An
  // Error ("cannot write 'PATH': No such file or directory", ...) when it
  // cannot; then nothing was created.
  static Expected<std::unique_ptr<OutputFile>> open(const std::string& path);

  // Removes the temporary file unless commit() succeeded.
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  // Where to write the content.
  std::ostream& stream() { return stream_; }
  // The path as given to open().
  const std::string& path() const { return path_; }
  // The temporary file's path; empty when the target is written directly.
  const std::string& temporary_path() const { return temporary_path_; }

  // Flushes and checks every write; for a temporary file also fsyncs it,
  // renames it over the target and fsyncs the directory. On an Error the
  // target is unchanged (a directly written target holds what was written)
  // and the temporary file is gone. Call once.
  Status commit();

 private:
  OutputFile(std::string path, int fd, std::string target, std::string temporary_path);
  // Closes the descriptor and removes the temporary file, if still there.
  void abandon();

  std::string path_;
  int fd_;
  // The file the temporary file replaces (symbolic links resolved).
  std::string target_;
  std::string temporary_path_;
  FdOutputBuffer buffer_;
  std::ostream stream_;
  bool finished_ = false;
};

}  // namespace vic
