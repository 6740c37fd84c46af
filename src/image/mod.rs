//! Images: references, registries (configuration, credentials, pull and
//! push), the content-addressed store, archives, and layer tar streams.

pub mod archive;
pub mod changes;
pub mod commit;
pub mod layer;
pub mod manifest;
pub mod reference;
pub mod registry;
pub mod store;
