// SPDX-License-Identifier: Apache-2.0
// Session origin against a real sshd: a key login from one network namespace
// into an sshd in another, joined by a veth pair, runs a command whose exec
// must carry where the session came from (peer address and port, login user,
// the accepting daemon) and the login uid and audit session pam_loginuid set.
//
// The test user (kUser) is created when missing and left in place: it has no
// password, and deleting it would race any process of its session still exiting.
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <doctest/doctest.h>

#include "harness.h"

using namespace linesman;
using namespace linesman::test;

namespace {

constexpr const char *kUser = "lsm-ssh-test";
const std::string kClientAddr = "10.231.0.1";
const std::string kServerAddr = "10.231.0.2";
constexpr int kPort = 2222; // the server namespace is private: no collision possible

struct RunResult {
	int rc = -1;
	std::string out; // stdout and stderr
};

RunResult run(const std::string &cmd)
{
	RunResult r;
	FILE *p = popen((cmd + " 2>&1").c_str(), "r");
	REQUIRE(p != nullptr);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		r.out.append(buf, n);
	int status = pclose(p);
	r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	return r;
}

std::string realpath_of(const std::string &p)
{
	char buf[PATH_MAX];
	REQUIRE(realpath(p.c_str(), buf) != nullptr);
	return buf;
}

std::string read_text(const std::string &path)
{
	std::ifstream f(path);
	std::stringstream ss;
	ss << f.rdbuf();
	return ss.str();
}

std::string join(const std::vector<std::string> &v)
{
	std::string out;
	for (const auto &s : v)
		out += (out.empty() ? "" : " ") + s;
	return out;
}

bool is_sshd_exe(const std::string &exe)
{
	std::string base = exe.substr(exe.rfind('/') + 1);
	return base == "sshd" || base == "sshd-session";
}

// Whether this test process itself runs inside an ssh login (a developer's
// shell on a remote box): then every process it starts rightly has an origin.
bool self_under_sshd()
{
	for (pid_t pid = getppid(); pid > 1;) {
		char buf[PATH_MAX];
		std::string link = "/proc/" + std::to_string(pid) + "/exe";
		ssize_t n = readlink(link.c_str(), buf, sizeof(buf) - 1);
		if (n > 0 && is_sshd_exe(std::string(buf, size_t(n))))
			return true;
		std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
		auto close = stat.rfind(')');
		if (close == std::string::npos)
			return false;
		std::istringstream rest(stat.substr(close + 2));
		char state;
		pid_t ppid = 0;
		rest >> state >> ppid;
		pid = ppid;
	}
	return false;
}

// Fail, never skip, when the environment lacks what the test needs: CI installs
// it (packaging/install-deps.sh, `make deps`).
void require_tools()
{
	for (const char *tool : {"/usr/sbin/sshd", "/usr/bin/ssh", "/usr/bin/ssh-keygen", "/usr/sbin/useradd"})
		REQUIRE_MESSAGE(access(tool, X_OK) == 0,
				tool << " is missing: install openssh-server, openssh-client and passwd (make deps)");
	REQUIRE_MESSAGE(run("ip -V").rc == 0, "ip (iproute2) is missing: make deps");
	REQUIRE_MESSAGE(run("ss -V").rc == 0, "ss (iproute2) is missing: make deps");
	// pam_loginuid needs an audit-enabled kernel to set the login uid and session.
	bool audit = access("/proc/self/loginuid", F_OK) == 0 && access("/proc/self/sessionid", F_OK) == 0;
	REQUIRE_MESSAGE(audit,
			"this kernel has no CONFIG_AUDITSYSCALL: /proc/self/loginuid is missing, so no "
			"login can set a login uid or audit session and the ssh origin test cannot run");
}

struct TestUser {
	uid_t uid = 0;
	std::string home;
};

TestUser ensure_user()
{
	if (!getpwnam(kUser)) {
		// '*': no password can match, but the account is not locked ('!'), which
		// some PAM account stacks refuse even for key logins.
		auto r = run(std::string("useradd -m -s /bin/sh -p '*' ") + kUser);
		// Another run may have created it in between.
		REQUIRE_MESSAGE((r.rc == 0 || getpwnam(kUser)), "useradd failed: " << r.out);
	}
	passwd *pw = getpwnam(kUser);
	REQUIRE(pw != nullptr);
	return {pw->pw_uid, pw->pw_dir};
}

// Two network namespaces joined by a veth pair, an sshd listening in the server
// one, and a key the client can log in as kUser with. The destructor undoes all
// of it, however far start() got.
class SshLab {
public:
	SshLab()
	    : tag_(std::to_string(getpid())), server_ns_("lsm-ssh-srv-" + tag_),
	      client_ns_("lsm-ssh-cli-" + tag_), veth_client_("lsmc" + tag_), veth_server_("lsms" + tag_)
	{
	}

	~SshLab()
	{
		if (sshd_ > 0) {
			kill(sshd_, SIGTERM);
			waitpid(sshd_, nullptr, 0);
		}
		// Session processes (sshd per connection) outlive the listener: end
		// whatever still runs in the namespace this lab created.
		if (!dir_.empty()) {
			std::string pid = read_text(dir_ + "/sshd.pid");
			if (!pid.empty() && std::atoi(pid.c_str()) > 1 && std::atoi(pid.c_str()) != sshd_)
				kill(std::atoi(pid.c_str()), SIGTERM);
		}
		quiet("ip netns pids " + server_ns_ + " | xargs -r kill -TERM");
		quiet("ip link del " + veth_client_);
		quiet("ip netns exec " + client_ns_ + " ip link del " + veth_client_);
		quiet("ip netns del " + server_ns_);
		quiet("ip netns del " + client_ns_);
		if (!dir_.empty())
			quiet("rm -rf " + dir_);
	}

	void start()
	{
		char tmpl[] = "/var/tmp/linesman-ssh.XXXXXX";
		REQUIRE(mkdtemp(tmpl) != nullptr);
		dir_ = tmpl;
		// sshd reads AuthorizedKeysFile as the user: the path must be reachable.
		REQUIRE(chmod(dir_.c_str(), 0755) == 0);

		sh("ip netns add " + server_ns_);
		sh("ip netns add " + client_ns_);
		sh("ip link add " + veth_client_ + " type veth peer name " + veth_server_);
		sh("ip link set " + veth_client_ + " netns " + client_ns_);
		sh("ip link set " + veth_server_ + " netns " + server_ns_);
		sh("ip -n " + client_ns_ + " addr add " + kClientAddr + "/24 dev " + veth_client_);
		sh("ip -n " + server_ns_ + " addr add " + kServerAddr + "/24 dev " + veth_server_);
		for (const auto &ns : {client_ns_, server_ns_}) {
			sh("ip -n " + ns + " link set lo up");
			sh("ip -n " + ns + " link set " + (ns == client_ns_ ? veth_client_ : veth_server_) + " up");
		}

		sh("ssh-keygen -q -t ed25519 -N '' -C linesman-host -f " + dir_ + "/host_key");
		sh("ssh-keygen -q -t ed25519 -N '' -C linesman-client -f " + dir_ + "/client_key");
		sh("cp " + dir_ + "/client_key.pub " + dir_ + "/authorized_keys && chmod 644 " + dir_ +
		   "/authorized_keys");
		{
			std::ofstream cfg(dir_ + "/sshd_config");
			// Only the v4 address: a dual-stack listener would see the
			// client as ::ffff:10.231.0.1.
			cfg << "ListenAddress " << kServerAddr << "\n"
			    << "HostKey " << dir_ << "/host_key\n"
			    << "PidFile " << dir_ << "/sshd.pid\n"
			    << "AuthorizedKeysFile " << dir_ << "/authorized_keys\n"
			    << "AllowUsers " << kUser << "\n"
			    << "UsePAM yes\n" // Debian's stack runs pam_loginuid
			    << "PubkeyAuthentication yes\n"
			    << "PasswordAuthentication no\n"
			    << "KbdInteractiveAuthentication no\n"
			    << "PermitRootLogin no\n"
			    << "StrictModes no\n"
			    << "PrintMotd no\n"
			    << "LogLevel INFO\n";
		}
		// The privilege-separation directory sshd chroots its pre-auth child into.
		REQUIRE((mkdir("/run/sshd", 0755) == 0 || errno == EEXIST));

		std::string log = dir_ + "/sshd.log";
		sshd_ = spawn("/usr/sbin/ip",
			      {"ip", "netns", "exec", server_ns_, "/usr/sbin/sshd", "-D", "-e", "-f",
			       dir_ + "/sshd_config", "-p", std::to_string(kPort)},
			      [&] {
				      int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
				      if (fd >= 0) {
					      dup2(fd, 1);
					      dup2(fd, 2);
				      }
			      });
		// Listening once ss shows the socket; sshd exiting early is a config error.
		std::string want = kServerAddr + ":" + std::to_string(kPort);
		for (int i = 0;; ++i) {
			int status = 0;
			REQUIRE_MESSAGE(waitpid(sshd_, &status, WNOHANG) == 0,
					"sshd exited at start: " << sshd_log());
			if (run("ip netns exec " + server_ns_ + " ss -Hltn").out.find(want) != std::string::npos)
				break;
			REQUIRE_MESSAGE(i < 100, "sshd does not listen on " << want << ": " << sshd_log());
			std::this_thread::sleep_for(50ms);
		}
	}

	// Run `command` as kUser through sshd, from the client namespace.
	RunResult ssh(const std::string &command) const
	{
		return run("ip netns exec " + client_ns_ + " ssh -F /dev/null -i " + dir_ +
			   "/client_key -o IdentitiesOnly=yes -o StrictHostKeyChecking=no"
			   " -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR"
			   " -o ConnectTimeout=10 -p " +
			   std::to_string(kPort) + " " + kUser + "@" + kServerAddr + " " + command);
	}

	std::string sshd_log() const { return read_text(dir_ + "/sshd.log"); }

	// The client port of the last accepted login, as sshd logged it:
	// "Accepted publickey for USER from ADDR port PORT ssh2: ...".
	uint32_t last_login_port() const
	{
		std::string log = sshd_log();
		std::string key = std::string("Accepted publickey for ") + kUser + " from " + kClientAddr + " port ";
		auto at = log.rfind(key);
		if (at == std::string::npos)
			return 0;
		return uint32_t(std::strtoul(log.c_str() + at + key.size(), nullptr, 10));
	}

private:
	static void quiet(const std::string &cmd) { (void)std::system((cmd + " >/dev/null 2>&1").c_str()); }

	std::string tag_, server_ns_, client_ns_, veth_client_, veth_server_;
	std::string dir_;
	pid_t sshd_ = -1;
};

std::string unique_marker(const char *what)
{
	static int n = 0;
	return std::string("linesman-") + what + "-" + std::to_string(getpid()) + "-" + std::to_string(++n);
}

} // namespace

TEST_CASE("ssh: commands of a key login carry the session's origin")
{
	require_tools();
	auto &c = shared_sensor();
	TestUser user = ensure_user();
	SshLab lab;
	lab.start();

	std::string marker = unique_marker("ssh");
	RunResult r = lab.ssh("/bin/echo " + marker);
	REQUIRE_MESSAGE(r.rc == 0, "ssh failed (" << r.rc << "): " << r.out << "\nsshd log:\n" << lab.sshd_log());
	CHECK(r.out.find(marker) != std::string::npos);
	uint32_t client_port = lab.last_login_port();
	CHECK_MESSAGE(client_port != 0, "no accepted login in the sshd log:\n" << lab.sshd_log());

	const std::string echo = realpath_of("/bin/echo");
	auto ev = c.wait_for(
	    [&](const Event &e) {
		    return e.type == EventType::Exec && e.process.exe == echo && !e.process.argv.empty() &&
			   e.process.argv.back() == marker;
	    },
	    10s);
	REQUIRE_MESSAGE(ev, "no exec of echo " << marker << "\nsshd log:\n" << lab.sshd_log());
	const Process &p = ev->process;
	CHECK(p.argv == std::vector<std::string>{"/bin/echo", marker});
	CHECK(p.comm == "echo");
	CHECK(p.cwd == user.home); // sshd starts the session in the user's home
	CHECK(p.tty.empty());      // a command without -t gets no pty
	CHECK(p.uid == user.uid);
	CHECK(p.euid == user.uid);
	CHECK(p.user == kUser);
	// Set by pam_loginuid when sshd opened the PAM session.
	CHECK_MESSAGE(p.auid == user.uid, "the login uid was not set: is pam_loginuid in /etc/pam.d/sshd, "
					  "and may sshd write /proc/self/loginuid (CAP_AUDIT_CONTROL, "
					  "not in a container)?");
	CHECK(p.login_user == kUser);
	CHECK(p.session_id != UINT32_MAX);
	bool under_sshd = false;
	for (const auto &a : p.ancestors)
		under_sshd |= a == "/usr/sbin/sshd";
	CHECK_MESSAGE(under_sshd, "ancestors: " << join(p.ancestors));

	auto check_origin = [&](const Process &proc) {
		INFO("exe " << proc.exe << " argv " << join(proc.argv));
		REQUIRE(proc.origin.has_value());
		const SessionOrigin &o = *proc.origin;
		// A dual-stack listener would report ::ffff:10.231.0.1; the origin
		// must name the address an operator knows.
		CHECK(o.peer_addr == kClientAddr);
		if (client_port != 0)
			CHECK(o.peer_port == client_port);
		CHECK(o.peer_port >= 1024);
		CHECK(o.peer_port <= 65535);
		CHECK(o.user == kUser);
		CHECK(is_sshd_exe(o.via));
	};
	check_origin(p);

	// sshd runs the command through the user's shell ("sh -c CMD"); dash may
	// exec the command in place, so the shell's exec can share echo's pid.
	auto shell = c.wait_for(
	    [&](const Event &e) {
		    return e.type == EventType::Exec && e.process.argv.size() == 3 && e.process.argv[1] == "-c" &&
			   e.process.argv[2] == "/bin/echo " + marker;
	    },
	    5s);
	REQUIRE_MESSAGE(shell, "no exec of the user's shell running the command");
	CHECK(shell->process.exe == realpath_of("/bin/sh"));
	CHECK(shell->process.uid == user.uid);
	CHECK(shell->process.auid == user.uid);
	CHECK(shell->process.session_id == p.session_id);
	CHECK((shell->process.pid == p.pid || shell->process.pid == p.ppid));
	check_origin(shell->process);
	CHECK(shell->process.origin == p.origin);
}

TEST_CASE("ssh: a command the test starts itself has no origin")
{
	auto &c = shared_sensor();
	std::string marker = unique_marker("local");
	pid_t pid = spawn("/bin/echo", {"/bin/echo", marker}, [] {
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 1);
	});
	CHECK(WEXITSTATUS(wait_status(pid)) == 0);
	auto ev = c.wait_exec(pid);
	REQUIRE(ev);
	CHECK(ev->process.argv == std::vector<std::string>{"/bin/echo", marker});
	if (!self_under_sshd()) {
		CHECK_FALSE(ev->process.origin.has_value());
	} else {
		// Run from an ssh login: the origin is that login's, never the lab's.
		MESSAGE("the tests run inside an ssh login: checking only that the origin is not the lab's");
		if (ev->process.origin)
			CHECK(ev->process.origin->peer_addr != kClientAddr);
	}
}
