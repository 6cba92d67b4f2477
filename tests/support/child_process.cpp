#include "support/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <thread>

extern char** environ;

namespace usd1pay::testing {
namespace {

std::string name_of(const std::string& entry) {
  return entry.substr(0, entry.find('='));
}

}  // namespace

SelfChild spawn_self(const SpawnSelfParams& params) {
  SelfChild child;
  int fds[2] = {-1, -1};
  std::vector<std::string> env = params.env;
  if (!params.ready_var.empty()) {
    if (::pipe(fds) != 0) return child;
    ::fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    env.push_back(params.ready_var + "=" + std::to_string(fds[1]));
  }
  std::vector<std::string> dropped = params.unset;
  for (const auto& e : env) dropped.push_back(name_of(e));
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    if (std::find(dropped.begin(), dropped.end(), name_of(entry)) == dropped.end()) {
      env.push_back(entry);
    }
  }
  std::vector<std::string> args = {"/proc/self/exe", "--gtest_filter=" + params.gtest_filter};
  // Everything execve needs is built before fork: the child only calls
  // async-signal-safe functions.
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) ::dup2(devnull, STDOUT_FILENO);
    ::execve("/proc/self/exe", argv.data(), envp.data());
    ::_exit(127);
  }
  if (fds[1] >= 0) ::close(fds[1]);
  if (pid < 0) {
    if (fds[0] >= 0) ::close(fds[0]);
    return child;
  }
  child.pid = pid;
  child.ready_fd = fds[0];
  return child;
}

int wait_child(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

bool wait_ready(SelfChild& child) {
  if (child.ready_fd < 0) return false;
  char byte = 0;
  const bool ready = ::read(child.ready_fd, &byte, 1) == 1;
  ::close(child.ready_fd);
  child.ready_fd = -1;
  return ready;
}

int ready_fd_from_env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? -1 : std::atoi(value);
}

bool signal_ready(int ready_fd) {
  if (ready_fd < 0) return true;
  const char byte = 'r';
  const bool written = ::write(ready_fd, &byte, 1) == 1;
  ::close(ready_fd);
  return written;
}

int kill_child(pid_t pid) {
  ::kill(pid, SIGKILL);
  return wait_child(pid);
}

bool file_exists(const std::string& path) {
  return ::access(path.c_str(), F_OK) == 0;
}

void touch(const std::string& path) {
  std::ofstream(path).put('\n');
}

void wait_for_file(const std::string& path) {
  while (!file_exists(path)) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

bool wait_for_file(const std::string& path, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!file_exists(path) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return file_exists(path);
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream file(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(file, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

}  // namespace usd1pay::testing
