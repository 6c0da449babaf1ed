//! An `sshd` on the loopback address serving a private store (`crate::stores`) as a remote
//! builder's end of `ssh-ng://`: what `tests/tests/remote_builder.rs` builds on.

use crate::stores::succeeded;
use crate::NIX_CONFIG;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// An `sshd` listening on 127.0.0.1 only, with its own host key, configuration and port,
/// accepting one key made for it, whose `authorized_keys` entry forces a command: a remote
/// builder's end of `ssh-ng://` (`nix-daemon --stdio`) on a private store. Stopped when
/// dropped.
pub struct Sshd {
    child: Child,
    dir: PathBuf,
}

/// The host name Nix is given for the builder; the client configuration maps it to the sshd.
const HOST: &str = "rus-builder";

impl Sshd {
    /// Starts an `sshd` (from `/usr/sbin/sshd`: Debian's openssh-server) with its files in
    /// `dir`, serving `remote` (a private store) through `nix_daemon`, the `nix-daemon` binary.
    pub fn start(dir: &Path, remote: &Path, nix_daemon: &Path) -> Sshd {
        std::fs::create_dir_all(dir).unwrap();
        for key in ["host_key", "user_key"] {
            let made = Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-f"])
                .arg(dir.join(key))
                .output()
                .unwrap();
            succeeded(&made, "ssh-keygen");
        }
        write_forced_command(dir, remote, nix_daemon);
        let port = free_port();
        write_configurations(dir, port);
        // sshd's privilege separation directory (Debian's service makes it at start).
        std::fs::create_dir_all("/run/sshd").unwrap();
        let child = Command::new("/usr/sbin/sshd")
            .args(["-D", "-e", "-f"])
            .arg(dir.join("sshd_config"))
            .stderr(std::fs::File::create(dir.join("sshd.log")).unwrap())
            .spawn()
            .unwrap();
        let sshd = Sshd {
            child,
            dir: dir.to_path_buf(),
        };
        sshd.wait_listening(port);
        sshd
    }

    fn wait_listening(&self, port: u16) {
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "sshd did not listen on 127.0.0.1:{port}: {}",
                std::fs::read_to_string(self.dir.join("sshd.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `NIX_SSHOPTS`: the client configuration naming this sshd's address and port.
    pub fn ssh_options(&self) -> String {
        format!("-F {}", self.dir.join("ssh_config").display())
    }

    /// A `builders` entry for this sshd as `ssh-ng://` for `system`: its user key, two jobs
    /// (the host key is in the client configuration's known hosts).
    pub fn builders(&self, system: &str) -> String {
        format!(
            "{} {system} {} 2 1 - - -",
            self.url(),
            self.dir.join("user_key").display(),
        )
    }

    /// The URL under which Nix names this builder in its log.
    pub fn url(&self) -> String {
        format!("ssh-ng://root@{HOST}")
    }

    /// sshd's log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("sshd.log")).unwrap_or_default()
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes `dir`/serve-store, the command the user key's `authorized_keys` entry forces (with
/// `restrict`: no terminal, no forwarding): `nix_daemon --stdio` in a mount namespace of its
/// own with `remote` bound over `/nix`.
fn write_forced_command(dir: &Path, remote: &Path, nix_daemon: &Path) {
    let serve = dir.join("serve-store");
    std::fs::write(
        &serve,
        format!(
            "#!/bin/sh\n# The forced command: the remote's nix-daemon on its own store.\n\
             export NIX_CONFIG={config}\n\
             exec unshare --mount --propagation private -- sh -c 'mount --bind \"$0\" /nix && exec \"$1\" --stdio' {remote} {daemon}\n",
            config = shell_quote(NIX_CONFIG),
            remote = shell_quote(&remote.display().to_string()),
            daemon = shell_quote(&nix_daemon.display().to_string()),
        ),
    )
    .unwrap();
    std::fs::set_permissions(&serve, std::fs::Permissions::from_mode(0o755)).unwrap();
    let user_key = std::fs::read_to_string(dir.join("user_key.pub")).unwrap();
    std::fs::write(
        dir.join("authorized_keys"),
        format!("command=\"{}\",restrict {user_key}", serve.display()),
    )
    .unwrap();
}

/// Writes the server's configuration (127.0.0.1:`port` only, its host key, the one
/// `authorized_keys`, keys only) and the client's (the host name [`HOST`] is that address and
/// port, its host key the only known one, the user key only, never a prompt).
fn write_configurations(dir: &Path, port: u16) {
    std::fs::write(
        dir.join("sshd_config"),
        format!(
            "ListenAddress 127.0.0.1\nPort {port}\nHostKey {dir}/host_key\n\
             AuthorizedKeysFile {dir}/authorized_keys\nPidFile {dir}/sshd.pid\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\n\
             PermitRootLogin prohibit-password\nStrictModes no\nUsePAM no\n",
            dir = dir.display()
        ),
    )
    .unwrap();
    let host_key = std::fs::read_to_string(dir.join("host_key.pub")).unwrap();
    std::fs::write(dir.join("known_hosts"), format!("{HOST} {host_key}")).unwrap();
    std::fs::write(
        dir.join("ssh_config"),
        format!(
            "Host {HOST}\nHostName 127.0.0.1\nPort {port}\nHostKeyAlias {HOST}\n\
             UserKnownHostsFile {dir}/known_hosts\nStrictHostKeyChecking yes\n\
             IdentitiesOnly yes\nBatchMode yes\n",
            dir = dir.display()
        ),
    )
    .unwrap();
}

/// A TCP port free on 127.0.0.1 now.
fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `text` as one shell word.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}
