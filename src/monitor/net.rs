//! The container's network as its monitor runs it. Published ports are
//! bound before the first launch, so a port in use fails the start before
//! anything runs, and kept across restarts. With cove's stack the monitor
//! drives it from its poll loop (see `Monitor::pump`). With pasta, the
//! launch runs the pasta binary.

use crate::network::ports::{self, BoundPort, PortMapping, PublishedPort};
use crate::network::slirp::{Slirp, SlirpConfig};
use crate::network::{pasta, NetworkMode, NetworkPlan, SlirpOptions};
use crate::runtime::LaunchPlan;
use nix::poll::{PollFd, PollFlags};
use std::os::fd::{BorrowedFd, OwnedFd, RawFd};
use std::time::Duration;

/// How long a stopped container's connections may take to hand their last
/// bytes to the host.
pub const DRAIN_LIMIT: Duration = Duration::from_secs(2);

pub struct Network {
    kind: Kind,
    published: Vec<PublishedPort>,
    /// User networks: the attachment, held while the container runs.
    bridge: Option<crate::runtime::netns::Attached>,
}

/// The container's interfaces on user networks while it runs, for
/// `inspect` (in its directory).
pub const INTERFACES_FILE: &str = "interfaces.json";

enum Kind {
    /// No network to run: none, host.
    Nothing,
    Slirp {
        options: SlirpOptions,
        /// The published ports' sockets while the stack does not run.
        idle: Vec<BoundPort>,
        stack: Option<Box<Slirp>>,
        /// The container's network namespace, held while the stack runs:
        /// once the container exits, the data its sockets still hold
        /// keeps flowing until the stack has relayed it (the namespace
        /// and its sockets would go with the last process otherwise).
        namespace: Option<std::fs::File>,
    },
    Pasta {
        args: Vec<String>,
    },
    /// User networks: the published ports' sockets, handed to the
    /// network host (a copy at each start), which relays them.
    Bridge {
        ports: Vec<BoundPort>,
    },
}

impl Network {
    /// Get ready to run a network of `mode` publishing `ports`: bind them.
    pub fn prepare(mode: &NetworkMode, ports: &[PortMapping]) -> anyhow::Result<Network> {
        Ok(match mode {
            NetworkMode::Slirp(options) => {
                let idle = ports::bind_all(ports)?;
                Network {
                    bridge: None,
                    published: idle.iter().map(|b| b.port).collect(),
                    kind: Kind::Slirp {
                        options: options.clone(),
                        idle,
                        stack: None,
                        namespace: None,
                    },
                }
            }
            NetworkMode::Pasta { args } => {
                let published = pasta::published(ports)?;
                Network {
                    bridge: None,
                    kind: Kind::Pasta {
                        args: pasta::arguments(args, &published),
                    },
                    published,
                }
            }
            NetworkMode::Bridge { .. } => {
                let ports = ports::bind_all(ports)?;
                Network {
                    bridge: None,
                    published: ports.iter().map(|b| b.port).collect(),
                    kind: Kind::Bridge { ports },
                }
            }
            _ => Network {
                bridge: None,
                kind: Kind::Nothing,
                published: Vec::new(),
            },
        })
    }

    /// The published ports, host ports resolved.
    pub fn published(&self) -> &[PublishedPort] {
        &self.published
    }

    /// What the launch must do for the network.
    pub fn apply(&self, plan: &mut LaunchPlan) {
        match &self.kind {
            Kind::Slirp { options, .. } => {
                plan.network = Some(NetworkPlan { mtu: options.mtu });
            }
            Kind::Pasta { args } => plan.pasta = Some(args.clone()),
            Kind::Nothing | Kind::Bridge { .. } => {}
        }
    }

    /// The container runs as `pid`: start the stack on its tap, or keep
    /// its user networks' attachment (and show its interfaces in `dir`).
    pub fn start(
        &mut self,
        tap: Option<OwnedFd>,
        bridge: Option<crate::runtime::netns::Attached>,
        pid: nix::unistd::Pid,
        dir: &std::path::Path,
    ) -> anyhow::Result<()> {
        if let Some(b) = bridge {
            crate::sys::fsutil::write_replace(
                &dir.join(INTERFACES_FILE),
                &serde_json::to_vec(&b.interfaces)?,
                0o600,
            )?;
            if let Kind::Bridge { ports } = &self.kind {
                for p in ports {
                    if let ports::HostSocket::Tcp(listener) = &p.socket {
                        b.publish(std::os::fd::AsFd::as_fd(listener), p.port.container_port)?;
                    }
                }
            }
            self.bridge = Some(b);
        }
        if let (
            Kind::Slirp {
                options,
                idle,
                stack,
                namespace,
            },
            Some(tap),
        ) = (&mut self.kind, tap)
        {
            // Best effort: without it only the draining after exit is lost.
            *namespace = std::fs::File::open(format!("/proc/{pid}/ns/net")).ok();
            let slirp = Slirp::new(tap, SlirpConfig::new(options), std::mem::take(idle))?;
            *stack = Some(Box::new(slirp));
        }
        Ok(())
    }

    /// The container is gone: keep the ports' sockets for a restart.
    pub fn stop(&mut self) {
        if let Some(bridge) = self.bridge.take() {
            bridge.detach();
        }
        if let Kind::Slirp {
            idle,
            stack,
            namespace,
            ..
        } = &mut self.kind
        {
            if let Some(s) = stack.take() {
                *idle = s.into_published();
            }
            namespace.take();
        }
    }

    /// The running stack, if any.
    pub fn stack(&mut self) -> Option<&mut Slirp> {
        match &mut self.kind {
            Kind::Slirp { stack, .. } => stack.as_deref_mut(),
            _ => None,
        }
    }
}

/// The stack's descriptors as poll() entries.
pub fn poll_entries(wanted: &[(RawFd, PollFlags)]) -> Vec<PollFd<'_>> {
    wanted
        .iter()
        .map(|(fd, events)| {
            // SAFETY: the stack owns these descriptors and outlives the
            // poll() call that uses them.
            PollFd::new(unsafe { BorrowedFd::borrow_raw(*fd) }, *events)
        })
        .collect()
}

/// What poll() reported for the stack's descriptors.
pub fn ready(wanted: &[(RawFd, PollFlags)], polled: &[PollFd]) -> Vec<(RawFd, PollFlags)> {
    wanted
        .iter()
        .zip(polled)
        .map(|((fd, _), p)| (*fd, p.revents().unwrap_or(PollFlags::empty())))
        .collect()
}
