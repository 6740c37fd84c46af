//! How the command line names the values of enums that live below it.
//! The domain types know nothing of clap; these impls give them their
//! flag spellings and the help shown beside each value.

use crate::context::DriverRequest;
use crate::image::archive::ArchiveFormat;
use crate::image::registry::pull::PullPolicy;
use crate::log::Level;
use clap::builder::PossibleValue;
use clap::ValueEnum;

/// `impl ValueEnum` from a table of variant => "name" (: "help").
macro_rules! value_enum {
    ($ty:ty { $($variant:path => $name:literal $(: $help:literal)?),+ $(,)? }) => {
        impl ValueEnum for $ty {
            fn value_variants<'a>() -> &'a [Self] {
                &[$($variant),+]
            }

            fn to_possible_value(&self) -> Option<PossibleValue> {
                Some(match self {
                    $($variant => PossibleValue::new($name)$(.help($help))?,)+
                })
            }
        }
    };
}

value_enum!(DriverRequest {
    DriverRequest::Auto => "auto": "Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs",
    DriverRequest::Overlay => "overlay": "The kernel's overlayfs inside the user namespace",
    DriverRequest::Fuse => "fuse": "cove's own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying",
    DriverRequest::Vfs => "vfs": "A plain copy of the layers; slow, always works",
});

value_enum!(Level {
    Level::Trace => "trace",
    Level::Debug => "debug",
    Level::Info => "info",
    Level::Warn => "warn",
    Level::Error => "error",
});

value_enum!(PullPolicy {
    PullPolicy::Always => "always",
    PullPolicy::Missing => "missing",
    PullPolicy::Never => "never",
    PullPolicy::Newer => "newer",
});

value_enum!(ArchiveFormat {
    ArchiveFormat::OciArchive => "oci-archive": "OCI image layout in a tar (podman save --format oci-archive)",
    ArchiveFormat::DockerArchive => "docker-archive": "Docker's `docker save` format (the default, as Podman's)",
});
