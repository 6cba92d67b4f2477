#include "support/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "support/test_paths.h"

extern char** environ;

namespace usd1pay::testing {
namespace {

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input,
                          const std::vector<std::string>& extra_env) {
  if (argv.empty()) throw std::invalid_argument("run_process: empty argv");
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0 ||
      ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);

  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  for (const auto& kv : extra_env) {
    const auto key = kv.substr(0, kv.find('=') + 1);
    for (auto it = env_strings.begin(); it != env_strings.end();) {
      it = it->rfind(key, 0) == 0 ? env_strings.erase(it) : it + 1;
    }
    env_strings.push_back(kv);
  }
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> argp;
  for (auto& s : args) argp.push_back(s.data());
  argp.push_back(nullptr);

  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, argp[0], &actions, nullptr, argp.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(in_pipe[1]);
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    throw std::runtime_error("spawn " + argv[0] + ": " + std::strerror(rc));
  }

  // Feed stdin and drain stdout/stderr together so that no pipe fills up.
  ProcessResult result;
  int fds[3] = {in_pipe[1], out_pipe[0], err_pipe[0]};
  ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
  size_t written = 0;
  if (input.empty()) close_fd(fds[0]);
  ::signal(SIGPIPE, SIG_IGN);
  while (fds[1] >= 0 || fds[2] >= 0) {
    pollfd p[3];
    nfds_t n = 0;
    int which[3];
    for (int i = 0; i < 3; ++i) {
      if (fds[i] < 0) continue;
      p[n] = pollfd{fds[i], static_cast<short>(i == 0 ? POLLOUT : POLLIN), 0};
      which[n++] = i;
    }
    if (::poll(p, n, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (nfds_t k = 0; k < n; ++k) {
      if (p[k].revents == 0) continue;
      const int i = which[k];
      if (i == 0) {
        const ssize_t w = ::write(fds[0], input.data() + written, input.size() - written);
        if (w > 0) written += static_cast<size_t>(w);
        if (w < 0 && errno != EAGAIN) close_fd(fds[0]);
        if (written == input.size()) close_fd(fds[0]);
      } else {
        char buf[65536];
        const ssize_t r = ::read(fds[i], buf, sizeof buf);
        if (r > 0) {
          (i == 1 ? result.out : result.err).append(buf, static_cast<size_t>(r));
        } else if (r == 0 || errno != EINTR) {
          close_fd(fds[i]);
        }
      }
    }
  }
  close_fd(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::string required_env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') {
    const std::string key = name;
    if (key == "USD1PAY_PEERS_DIR") v = USD1PAY_TEST_PEERS_DIR;
    if (key == "USD1PAY_SOURCE_DIR") v = USD1PAY_TEST_SOURCE_DIR;
    if (key == "USD1PAY_CLI") v = USD1PAY_TEST_CLI;
  }
  if (v == nullptr || *v == '\0') {
    throw std::runtime_error(
        std::string("environment variable ") + name +
        " is not set and no value was compiled in (is the usd1pay command built?)");
  }
  return v;
}

ProcessResult run_node_peer(const std::string& script, const std::vector<std::string>& args,
                            const std::string& input) {
  const std::string peers = required_env("USD1PAY_PEERS_DIR");
  if (::access((peers + "/node_modules").c_str(), F_OK) != 0) {
    throw std::runtime_error(peers + "/node_modules is missing: run scripts/install-deps.sh --npm");
  }
  std::vector<std::string> argv = {"node", peers + "/" + script};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, input, {"NODE_PATH=" + peers + "/node_modules"});
}

}  // namespace usd1pay::testing
