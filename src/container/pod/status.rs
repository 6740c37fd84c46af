//! A pod's status, from its containers' (pure): Podman's rules.

/// A container's state as far as its pod's status is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member {
    Created,
    Running,
    /// Exited or stopped.
    Stopped,
}

/// The pod's status, as Podman names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodStatus {
    Created,
    Running,
    /// Some containers run and others do not.
    Degraded,
    /// Every container has stopped.
    Exited,
    /// Some stopped, the others were never started.
    Stopped,
}

impl PodStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PodStatus::Created => "Created",
            PodStatus::Running => "Running",
            PodStatus::Degraded => "Degraded",
            PodStatus::Exited => "Exited",
            PodStatus::Stopped => "Stopped",
        }
    }

    /// Every status, for `--filter status=`.
    pub const ALL: [PodStatus; 5] = [
        PodStatus::Created,
        PodStatus::Running,
        PodStatus::Degraded,
        PodStatus::Exited,
        PodStatus::Stopped,
    ];
}

/// The status of a pod whose containers (infra included) are `members`.
pub fn compute(members: &[Member]) -> PodStatus {
    let count = |m: Member| members.iter().filter(|&&x| x == m).count();
    let (running, stopped) = (count(Member::Running), count(Member::Stopped));
    if members.is_empty() {
        PodStatus::Created
    } else if running == members.len() {
        PodStatus::Running
    } else if running > 0 {
        PodStatus::Degraded
    } else if stopped == members.len() {
        PodStatus::Exited
    } else if stopped > 0 {
        PodStatus::Stopped
    } else {
        PodStatus::Created
    }
}

#[cfg(test)]
mod tests {
    use super::Member::*;
    use super::*;

    #[test]
    fn podmans_rules() {
        assert_eq!(compute(&[]), PodStatus::Created);
        assert_eq!(compute(&[Created, Created]), PodStatus::Created);
        assert_eq!(compute(&[Running, Running]), PodStatus::Running);
        assert_eq!(compute(&[Running, Stopped]), PodStatus::Degraded);
        assert_eq!(compute(&[Running, Created]), PodStatus::Degraded);
        assert_eq!(compute(&[Stopped, Stopped]), PodStatus::Exited);
        assert_eq!(compute(&[Stopped, Created]), PodStatus::Stopped);
        assert_eq!(compute(&[Running]), PodStatus::Running);
        assert_eq!(
            PodStatus::ALL.map(PodStatus::as_str),
            ["Created", "Running", "Degraded", "Exited", "Stopped"]
        );
    }
}
