//! Compiles the Tidegate contract with tonic-prost-build, using the protoc binary shipped by
//! `protoc-bin-vendored` so no system protoc is needed. Output stays in OUT_DIR. The protos are
//! read through `proto/`, in the repository a link to `../proto/src/main/proto`, so that the
//! packaged crate (which `cargo package` builds from the link's files) carries them too.
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?)
        .join("proto")
        .canonicalize()?;
    let protos = [
        "tidegate/v1/gateway.proto",
        "tidegate/v1/books.proto",
        "tidegate/v1/intelligence.proto",
        "tidegate/v1/instruments.proto",
        "tidegate/v1/risk.proto",
        "tidegate/market/v1/common.proto",
        "tidegate/market/v1/data.proto",
        "tidegate/market/v1/orders.proto",
        "tidegate/market/v1/regime.proto",
    ]
    .map(|p| root.join(p));

    let mut config = prost_build::Config::new();
    config.protoc_executable(protoc_bin_vendored::protoc_bin_path()?);
    tonic_prost_build::configure()
        .build_server(false)
        // The rpc is named `Connect`: without this the generated transport constructor
        // `GatewayServiceClient::connect(dst)` would clash with it. We build the channel ourselves.
        .build_transport(false)
        .compile_with_config(config, &protos, std::slice::from_ref(&root))?;
    println!("cargo:rerun-if-changed={}", root.display());
    Ok(())
}
