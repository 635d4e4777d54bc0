mod common;
use harbor_edge::render::{Renderer, Target};
#[test]
fn smoke() {
    let b = Renderer::embedded()
        .render(
            &common::minimal_config(),
            &common::credentials(),
            Target::K3s,
        )
        .unwrap();
    println!("{}", b.to_yaml());
    let b = Renderer::embedded()
        .render(
            &common::minimal_config(),
            &common::credentials(),
            Target::Helm,
        )
        .unwrap();
    println!("{}", b.to_json());
}
