#include "agent/app/cli.h"

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

#include <fmt/format.h>

#include "agent/app/agent.h"
#include "agent/app/process_metrics.h"
#include "agent/net/socket_address.h"
#include "agent/net/thread_pool.h"
#include "agent/net/uv_handle.h"
#include "agent/telemetry/logger.h"
#include "agent/telemetry/metrics_registry.h"
#include "vigil/version.h"

namespace vigil::app {

namespace {

constexpr std::string_view kUsage =
    "vigil: a host agent that collects metrics, logs and traces and forwards them without loss.\n"
    "\n"
    "Usage:\n"
    "  vigil [run] [-c FILE]     run the agent (the default command)\n"
    "  vigil check [-c FILE]     validate the configuration, print it as the agent will use it\n"
    "                            (secrets redacted) and test that its listen addresses bind\n"
    "  vigil version             print the version\n"
    "  vigil help | --help       this text; `vigil COMMAND --help` for one command\n"
    "\n"
    "Without -c, the default configuration built into the binary (agent.toml.example) is used.\n"
    "\n"
    "Exit codes: 0 success; 1 invalid configuration or a component failed to start (for example\n"
    "an address that cannot be bound); 2 bad command line; 3 event loop failure.\n"
    "Signals: SIGTERM/SIGINT drain queues within agent.shutdown_timeout and exit 0 (a second one\n"
    "exits at once); SIGHUP reloads the configuration (a bad one is logged and ignored).\n";

constexpr std::string_view kRunHelp =
    "Usage: vigil run [-c FILE]\n"
    "Runs the agent with FILE (default: the built-in agent.toml.example) until SIGTERM/SIGINT.\n"
    "SIGHUP reloads FILE. Exit codes: 0 clean shutdown, 1 configuration invalid or a component\n"
    "failed to start, 2 bad command line, 3 event loop failure.\n";

constexpr std::string_view kCheckHelp =
    "Usage: vigil check [-c FILE]\n"
    "Validates FILE (default: the built-in agent.toml.example): syntax, keys, types, values,\n"
    "environment variables, component references, and that every listen address can be bound.\n"
    "Prints the effective configuration with defaults filled in and secrets (values from the\n"
    "environment, tokens, passwords) redacted. Exit codes: 0 valid, 1 invalid, 2 bad command "
    "line.\n";

std::optional<std::string> getenv_lookup(std::string_view name) {
  const char* v = std::getenv(std::string(name).c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

std::string system_hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

config::LoadOptions load_options() {
  config::LoadOptions o;
  o.env = getenv_lookup;
  o.system_hostname = system_hostname();
  return o;
}

struct Parsed {
  std::string command = "run";
  std::string config_path;
  bool help = false;
};

std::optional<Parsed> parse_args(const std::vector<std::string>& args, std::string& error) {
  Parsed p;
  std::size_t i = 1;
  if (i < args.size() && !args[i].empty() && args[i][0] != '-') {
    p.command = args[i++];
  }
  for (; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a == "-h" || a == "--help") {
      p.help = true;
    } else if (a == "-c" || a == "--config") {
      if (i + 1 >= args.size()) {
        error = fmt::format("{} needs a file name", a);
        return std::nullopt;
      }
      p.config_path = args[++i];
    } else if (a.starts_with("--config=")) {
      p.config_path = a.substr(9);
    } else {
      error = fmt::format("unexpected argument \"{}\"", a);
      return std::nullopt;
    }
  }
  if (p.command == "help") {
    p.help = true;
  } else if (p.command != "run" && p.command != "check" && p.command != "version") {
    error = fmt::format("unknown command \"{}\"", p.command);
    return std::nullopt;
  }
  return p;
}

// Tests that `address` can be bound now (the listener itself binds later, on start).
std::optional<std::string> try_bind(const std::string& address) {
  auto parsed = net::parse_listen_address(address);
  if (!parsed) return parsed.error().message;
  int fd = ::socket(parsed->storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fmt::format("cannot create a socket: {}", std::strerror(errno));
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  socklen_t len =
      parsed->storage.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  std::optional<std::string> err;
  if (::bind(fd, parsed->addr(), len) != 0) {
    err = fmt::format("cannot bind {}: {}", address, std::strerror(errno));
  }
  ::close(fd);
  return err;
}

std::vector<std::string> check_listen_addresses(const config::LoadedConfig& cfg,
                                                const std::string& file) {
  std::vector<std::pair<std::string, std::string>> addresses;
  if (cfg.agent.api.enabled) addresses.emplace_back("agent.api.listen", cfg.agent.api.listen);
  for (const auto& c : cfg.collectors) {
    for (auto& a : c.config->listen_addresses()) addresses.push_back(std::move(a));
  }
  for (const auto& e : cfg.exporters) {
    for (auto& a : e.config->listen_addresses()) addresses.push_back(std::move(a));
  }
  std::vector<std::string> errors;
  for (const auto& [key, address] : addresses) {
    if (auto err = try_bind(address)) {
      auto where = cfg.locations.find(key);
      errors.push_back(fmt::format("{}: {}: {}",
                                   where != cfg.locations.end() ? where->second : file, key, *err));
    }
  }
  return errors;
}

int command_check(const ConfigSource& source, const ComponentRegistry& registry) {
  auto cfg = load_config(source, registry, load_options());
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().message.c_str());
    std::fprintf(stderr, "vigil check: %s is invalid\n", source.display_name().c_str());
    return kExitConfigError;
  }
  auto bind_errors = check_listen_addresses(*cfg, source.display_name());
  if (!bind_errors.empty()) {
    for (const auto& e : bind_errors) std::fprintf(stderr, "%s\n", e.c_str());
    std::fprintf(stderr, "vigil check: %s is invalid\n", source.display_name().c_str());
    return kExitConfigError;
  }
  std::fwrite(cfg->effective_toml.data(), 1, cfg->effective_toml.size(), stdout);
  if (!cfg->effective_toml.ends_with('\n')) std::fputc('\n', stdout);
  auto print_notes = [](const ComponentIdentity& identity, const ComponentConfig* config) {
    if (config == nullptr) return;
    for (const auto& note : config->check_notes()) {
      std::fprintf(stderr, "vigil check: %s: %s\n", identity.key_path.c_str(), note.c_str());
    }
  };
  for (const auto& c : cfg->collectors) print_notes(c.identity, c.config.get());
  for (const auto& e : cfg->exporters) print_notes(e.identity, e.config.get());
  std::fprintf(stderr, "vigil check: %s is valid\n", source.display_name().c_str());
  return kExitOk;
}

struct LoopDeleter {
  void operator()(uv_loop_t* loop) const {
    // Let pending closes finish, then close the loop.
    uv_run(loop, UV_RUN_DEFAULT);
    uv_loop_close(loop);
    std::default_delete<uv_loop_t>()(loop);
  }
};

int command_run(const ConfigSource& source, const ComponentRegistry& registry) {
  core::SystemClock clock;
  telemetry::Logger logger({}, clock);
  auto options = load_options();
  auto cfg = load_config(source, registry, options);
  if (!cfg) {
    std::fprintf(stderr, "%s\n", cfg.error().message.c_str());
    logger.error("agent", "invalid configuration in {}; not starting", source.display_name());
    return kExitConfigError;
  }

  ::signal(SIGPIPE, SIG_IGN);
  net::configure_thread_pool();
  std::unique_ptr<uv_loop_t, LoopDeleter> loop(std::make_unique<uv_loop_t>().release());
  if (uv_loop_init(loop.get()) != 0) {
    logger.error("agent", "cannot initialise the event loop");
    return kExitRuntimeError;
  }

  core::SeededRandom random(static_cast<std::uint64_t>(clock.unix_nanos()) ^
                            static_cast<std::uint64_t>(::getpid()));
  telemetry::MetricsRegistry metrics;
  auto process_metrics = register_process_metrics(metrics);

  int exit_code = kExitOk;
  {
    Agent::Deps deps;
    deps.loop = loop.get();
    deps.registry = &registry;
    deps.clock = &clock;
    deps.random = &random;
    deps.logger = &logger;
    deps.metrics = &metrics;
    deps.load_options = options;
    deps.source = source;
    Agent agent(std::move(deps));
    if (auto r = agent.start(std::move(*cfg)); !r) {
      logger.error("agent", "cannot start: {}", r.error().message);
      return kExitConfigError;
    }

    bool stopping = false;
    auto on_stop = [&] {
      if (stopping) {
        logger.warn("agent", "second stop signal: exiting now");
        std::_Exit(kExitOk);
      }
      stopping = true;
      agent.shutdown([&](int code) {
        exit_code = code;
        uv_stop(loop.get());
      });
    };
    struct SignalWatch {
      net::UvHandle<uv_signal_t> handle;
      std::function<void()> callback;
    };
    std::vector<std::unique_ptr<SignalWatch>> watches;
    auto watch = [&](int signum, std::function<void()> cb) {
      auto w = std::make_unique<SignalWatch>();
      uv_signal_init(loop.get(), w->handle.get());
      w->handle.mark_initialized();
      w->callback = std::move(cb);
      w->handle.get()->data = w.get();
      uv_signal_start(
          w->handle.get(),
          [](uv_signal_t* h, int) {
            if (h->data != nullptr) static_cast<SignalWatch*>(h->data)->callback();
          },
          signum);
      watches.push_back(std::move(w));
    };
    watch(SIGTERM, on_stop);
    watch(SIGINT, on_stop);
    watch(SIGHUP, [&] { agent.reload(); });

    if (uv_run(loop.get(), UV_RUN_DEFAULT) < 0) exit_code = kExitRuntimeError;
    watches.clear();
  }
  return exit_code;
}

}  // namespace

int run_cli(const std::vector<std::string>& args, const ComponentRegistry& registry) {
  std::string error;
  auto parsed = parse_args(args, error);
  if (!parsed) {
    std::fprintf(stderr, "vigil: %s\n\n%.*s", error.c_str(), static_cast<int>(kUsage.size()),
                 kUsage.data());
    return kExitUsage;
  }
  if (parsed->help) {
    std::string_view text = parsed->command == "run" && args.size() > 1 && args[1] == "run"
                                ? kRunHelp
                            : parsed->command == "check" ? kCheckHelp
                                                         : kUsage;
    std::fwrite(text.data(), 1, text.size(), stdout);
    return kExitOk;
  }
  if (parsed->command == "version") {
    std::printf("vigil %s\n", vigil::kVersion);
    return kExitOk;
  }
  ConfigSource source{parsed->config_path};
  if (parsed->command == "check") return command_check(source, registry);
  return command_run(source, registry);
}

}  // namespace vigil::app
