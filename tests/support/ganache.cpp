#include "support/ganache.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "support/subprocess.h"

extern char** environ;

namespace usd1pay::testing {

int free_local_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0) {
    port = ntohs(sa.sin_port);
  }
  ::close(fd);
  return port;
}

std::string GanacheNode::cli_path() {
  std::string peers;
  try {
    peers = required_env("USD1PAY_PEERS_DIR");
  } catch (...) {
    return "";
  }
  std::string path = peers + "/node_modules/ganache/dist/node/cli.js";
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? path : "";
}

GanacheNode::GanacheNode() = default;

GanacheNode::~GanacheNode() {
  stop();
}

std::string GanacheNode::url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

std::string GanacheNode::rpc(const std::string& method, const std::string& params_json) const {
  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(10, 0);
  const std::string body =
      R"({"jsonrpc":"2.0","id":1,"method":")" + method + R"(","params":)" + params_json + "}";
  auto res = client.Post("/", body, "application/json");
  if (!res || res->status != 200) return "";
  return res->body;
}

std::string GanacheNode::start() {
  if (running()) return "";
  if (!db_) db_ = std::make_unique<TempDir>();
  port_ = free_local_port();
  if (port_ == 0) return "ganache: no free port";
  return launch();
}

std::string GanacheNode::restart() {
  if (running()) stop();
  return launch();
}

std::string GanacheNode::launch() {
  const std::string cli = cli_path();
  if (cli.empty()) return "ganache: not installed under tests/peers/node_modules";
  std::vector<std::string> args = {"node",
                                   cli,
                                   "--server.host",
                                   "127.0.0.1",
                                   "--server.port",
                                   std::to_string(port_),
                                   "--chain.chainId",
                                   std::to_string(kChainId),
                                   "--wallet.deterministic",
                                   "--logging.quiet",
                                   "--miner.instamine",
                                   "eager",
                                   "--database.dbPath",
                                   db_->path()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string log = db_->file("ganache.log");
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, "node", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return std::string("ganache: spawn node: ") + std::strerror(rc);
  pid_ = pid;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return "ganache: exited during start-up (see " + log + ")";
    }
    if (rpc("eth_blockNumber").find("\"result\"") != std::string::npos) return "";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  stop();
  return "ganache: no answer to eth_blockNumber within 60 s";
}

void GanacheNode::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = -1;
}

}  // namespace usd1pay::testing
