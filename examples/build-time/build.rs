//! Generates `$OUT_DIR/harbor-k3s.yaml` from `cluster.yaml` with harbor-edge, using the library
//! without its CLI (`default-features = false`).

use std::path::PathBuf;

use harbor_edge::credentials::{Credentials, Generator};
use harbor_edge::render::{Renderer, Target};
use harbor_edge::{Macros, PackInput};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo::rerun-if-changed=cluster.yaml");
    let text = std::fs::read_to_string("cluster.yaml")?;
    let validated = PackInput::from_yaml_str(&text)?.resolve(&Macros::new())?;
    for warning in &validated.warnings {
        println!("cargo::warning={warning}");
    }
    // A fixed seed keeps the build reproducible; a real pipeline would pass the cluster's
    // existing secrets instead, so credentials are reused rather than regenerated.
    let mut generator = Generator::reproducible(7, None);
    let credentials = Credentials::resolve(&validated.config, None, &mut generator)?;
    let bundle = Renderer::embedded().render(&validated.config, &credentials, Target::K3s)?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?).join("harbor-k3s.yaml");
    std::fs::write(&out, bundle.to_yaml())?;
    Ok(())
}
