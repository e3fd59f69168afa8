// readRegularFile / regularFileSize: checked on the open descriptor.
#include "runtime/files/RegularFile.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace llmc {

namespace {

struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0)
      ::close(fd);
  }
};

const char *kindOf(mode_t mode) {
  if (S_ISDIR(mode))
    return "a directory";
  if (S_ISCHR(mode))
    return "a character device";
  if (S_ISBLK(mode))
    return "a block device";
  if (S_ISFIFO(mode))
    return "a FIFO";
  if (S_ISSOCK(mode))
    return "a socket";
  return "not a regular file";
}

Status notRegular(const std::string &path, mode_t mode) {
  return Status::error("cannot read '" + path + "': it is " + kindOf(mode) +
                       ", not a regular file");
}

} // namespace

StatusOr<uint64_t> regularFileSize(const std::string &path) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0)
    return Status::error("cannot open '" + path + "': " + std::strerror(errno));
  if (!S_ISREG(info.st_mode))
    return notRegular(path, info.st_mode);
  return uint64_t(info.st_size);
}

StatusOr<std::string> readRegularFile(const std::string &path,
                                      uint64_t maxBytes) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return Status::error("cannot open '" + path + "': " + std::strerror(errno));
  FdCloser closer{fd};
  struct stat info;
  if (::fstat(fd, &info) != 0)
    return Status::error("cannot stat '" + path + "': " + std::strerror(errno));
  if (!S_ISREG(info.st_mode))
    return notRegular(path, info.st_mode);
  const uint64_t size = uint64_t(info.st_size);
  if (size > maxBytes)
    return Status::error("cannot read '" + path + "': it is " +
                         std::to_string(size) + " bytes, more than the " +
                         std::to_string(maxBytes) +
                         " bytes such a file may have");
  std::string bytes(size_t(size), '\0');
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return Status::error("cannot read '" + path +
                           "': " + std::strerror(errno));
    if (n == 0) // shrank while reading
      break;
    done += size_t(n);
  }
  bytes.resize(done);
  return bytes;
}

} // namespace llmc
