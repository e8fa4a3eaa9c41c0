// OutputFile: a file is replaced only once complete, a failure or a signal
// leaves the previous file byte for byte, non-regular targets are written
// directly, and every error carries errno's text.
#include "support/output_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace vic {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test, removed afterwards.
class OutputFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("vic_output_file_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(dir_, ec);
  }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  static std::string read(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
  static void write(const std::string& file, const std::string& text) { std::ofstream(file, std::ios::binary) << text; }
  // The names in the directory, sorted.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path dir_;
};

TEST_F(OutputFileTest, WritesANewFileThroughATemporaryFileBesideIt) {
  Expected<std::unique_ptr<OutputFile>> file = OutputFile::open(path("fit.csv"));
  ASSERT_TRUE(file) << file.error();
  std::string temporary = (*file)->temporary_path();
  EXPECT_EQ(fs::path(temporary).parent_path(), dir_);
  EXPECT_EQ(fs::path(temporary).filename().string().substr(0, 13), ".fit.csv.vic-");
  EXPECT_TRUE(fs::exists(temporary));
  EXPECT_FALSE(fs::exists(path("fit.csv")));
  (*file)->stream() << "a,b\n1,2\n";
  ASSERT_TRUE((*file)->commit());
  EXPECT_EQ(read(path("fit.csv")), "a,b\n1,2\n");
  EXPECT_EQ(entries(), std::vector<std::string>{"fit.csv"});
}

TEST_F(OutputFileTest, ANewFileGetsTheModeOpenWouldGiveIt) {
  mode_t mask = ::umask(022);
  Expected<std::unique_ptr<OutputFile>> file = OutputFile::open(path("fit.csv"));
  ::umask(mask);
  ASSERT_TRUE(file) << file.error();
  ASSERT_TRUE((*file)->commit());
  struct stat st {};
  ASSERT_EQ(::stat(path("fit.csv").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST_F(OutputFileTest, ReplacingAFileKeepsItsMode) {
  write(path("fit.csv"), "old\n");
  ASSERT_EQ(::chmod(path("fit.csv").c_str(), 0640), 0);
  Expected<std::unique_ptr<OutputFile>> file = OutputFile::open(path("fit.csv"));
  ASSERT_TRUE(file) << file.error();
  (*file)->stream() << "new\n";
  ASSERT_TRUE((*file)->commit());
  EXPECT_EQ(read(path("fit.csv")), "new\n");
  struct stat st {};
  ASSERT_EQ(::stat(path("fit.csv").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST_F(OutputFileTest, AnAbandonedWriteLeavesThePreviousFileAndNoTemporaryFile) {
  write(path("fit.csv"), "previous content\n");
  {
    Expected<std::unique_ptr<OutputFile>> file = OutputFile::open(path("fit.csv"));
    ASSERT_TRUE(file) << file.error();
    (*file)->stream() << "half of the new";
    (*file)->stream().flush();
  }
  EXPECT_EQ(read(path("fit.csv")), "previous content\n");
  EXPECT_EQ(entries(), std::vector<std::string>{"fit.csv"});
}

TEST_F(OutputFileTest, AMissingDirectorySaysSo) {
  std::string target = path("no_such_dir/fit.csv");
  Expected<std::unique_ptr<OutputFile>> file = OutputFile::open(target);
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error(), "cannot write '" + target + "': No such file or directory");
}

TEST_F(OutputFileTest, APathThroughAFileSaysSo) {
  write(path("plain"), "x");
  std::string target = path("plain/fit.csv");
  Expected<std::unique_ptr<OutputFile>> file = OutputFile::open(target);
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error(), "cannot write '" + target + "': Not a directory");
}

TEST_F(OutputFileTest, ADirectoryAsTheTargetSaysSo) {
  fs::create_directory(path("sub"));
  Expected<std::unique_ptr<OutputFile>> file = OutputFile::open(path("sub"));
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error(), "cannot write '" + path("sub") + "': Is a directory");
}

TEST_F(OutputFileTest, AReadOnlyDirectoryLeavesTheTargetUnchanged) {
  if (::geteuid() == 0) GTEST_SKIP() << "running as root: a read-only directory does not stop root's writes";
  write(path("fit.csv"), "previous content\n");
  ASSERT_EQ(::chmod(dir_.c_str(), 0555), 0);
  Expected<std::unique_ptr<OutputFile>> file = OutputFile::open(path("fit.csv"));
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error(), "cannot write '" + path("fit.csv") + "': Permission denied");
  EXPECT_EQ(read(path("fit.csv")), "previous content\n");
  EXPECT_EQ(entries(), std::vector<std::string>{"fit.csv"});
}

TEST_F(OutputFileTest, DevFullIsWrittenDirectlyAndReportsNoSpace) {
  Expected<std::unique_ptr<OutputFile>> file = OutputFile::open("/dev/full");
  ASSERT_TRUE(file) << file.error();
  EXPECT_EQ((*file)->temporary_path(), "");
  (*file)->stream() << "lp__\n";
  Status status = (*file)->commit();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error(), "cannot write '/dev/full': No space left on device");
}

TEST_F(OutputFileTest, DevNullIsWrittenDirectly) {
  Expected<std::unique_ptr<OutputFile>> file = OutputFile::open("/dev/null");
  ASSERT_TRUE(file) << file.error();
  EXPECT_EQ((*file)->temporary_path(), "");
  (*file)->stream() << std::string(1 << 20, 'x');
  EXPECT_TRUE((*file)->commit());
}

TEST_F(OutputFileTest, AFifoIsWrittenDirectly) {
  ASSERT_EQ(::mkfifo(path("pipe").c_str(), 0600), 0);
  pid_t reader = ::fork();
  ASSERT_GE(reader, 0);
  if (reader == 0) {
    std::ifstream in(path("pipe"), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    ::_exit(text.str() == "through the pipe\n" ? 0 : 1);
  }
  Expected<std::unique_ptr<OutputFile>> file = OutputFile::open(path("pipe"));
  ASSERT_TRUE(file) << file.error();
  EXPECT_EQ((*file)->temporary_path(), "");
  (*file)->stream() << "through the pipe\n";
  EXPECT_TRUE((*file)->commit());
  int status = 0;
  ASSERT_EQ(::waitpid(reader, &status, 0), reader);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_TRUE(fs::is_fifo(path("pipe")));
}

TEST_F(OutputFileTest, ASymbolicLinkStaysALinkToTheNewFile) {
  write(path("real.csv"), "old\n");
  fs::create_symlink(path("real.csv"), path("link.csv"));
  Expected<std::unique_ptr<OutputFile>> file = OutputFile::open(path("link.csv"));
  ASSERT_TRUE(file) << file.error();
  (*file)->stream() << "new\n";
  ASSERT_TRUE((*file)->commit());
  EXPECT_TRUE(fs::is_symlink(path("link.csv")));
  EXPECT_EQ(read(path("real.csv")), "new\n");
}

TEST_F(OutputFileTest, TwoWritersOfOnePathDoNotInterleave) {
  Expected<std::unique_ptr<OutputFile>> first = OutputFile::open(path("fit.csv"));
  Expected<std::unique_ptr<OutputFile>> second = OutputFile::open(path("fit.csv"));
  ASSERT_TRUE(first && second);
  EXPECT_NE((*first)->temporary_path(), (*second)->temporary_path());
  (*first)->stream() << std::string(100000, 'a');
  (*second)->stream() << std::string(50000, 'b');
  ASSERT_TRUE((*second)->commit());
  ASSERT_TRUE((*first)->commit());
  EXPECT_EQ(read(path("fit.csv")), std::string(100000, 'a'));
  EXPECT_EQ(entries(), std::vector<std::string>{"fit.csv"});
}

TEST_F(OutputFileTest, CommittingTwiceIsAnError) {
  Expected<std::unique_ptr<OutputFile>> file = OutputFile::open(path("fit.csv"));
  ASSERT_TRUE(file);
  ASSERT_TRUE((*file)->commit());
  Status again = (*file)->commit();
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), "cannot write '" + path("fit.csv") + "': the file was already closed");
}

// A child process opens the file, writes part of it and is killed by
// `signal_number`: it dies of that signal, the temporary file is gone and the
// previous file is intact.
void expect_signal_removes_temporary_file(const fs::path& dir, int signal_number) {
  std::string target = (dir / "fit.csv").string();
  std::ofstream(target) << "previous content\n";
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    Expected<std::unique_ptr<OutputFile>> file = OutputFile::open(target);
    if (!file || (*file)->temporary_path().empty()) ::_exit(10);
    (*file)->stream() << "half of the new";
    (*file)->stream().flush();
    if (!fs::exists((*file)->temporary_path())) ::_exit(11);
    ::raise(signal_number);
    ::_exit(12);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child exited with " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), signal_number);
  std::ifstream in(target);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "previous content");
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  EXPECT_EQ(names, std::vector<std::string>{"fit.csv"});
}

TEST_F(OutputFileTest, SigtermRemovesTheTemporaryFile) { expect_signal_removes_temporary_file(dir_, SIGTERM); }

TEST_F(OutputFileTest, SigintRemovesTheTemporaryFile) { expect_signal_removes_temporary_file(dir_, SIGINT); }

TEST(FdOutputBuffer, RemembersTheFirstWriteError) {
  int fd = ::open("/dev/full", O_WRONLY);
  ASSERT_GE(fd, 0);
  FdOutputBuffer buffer(fd);
  std::ostream out(&buffer);
  out << "text";
  out.flush();
  EXPECT_FALSE(out);
  EXPECT_EQ(buffer.error(), ENOSPC);
  ::close(fd);
}

TEST(DescribeWriteError, NamesThePathAndErrnosText) {
  EXPECT_EQ(describe_write_error("out.csv", EACCES), "cannot write 'out.csv': Permission denied");
}

}  // namespace
}  // namespace vic
