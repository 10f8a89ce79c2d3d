//! Gives the shared library a versioned soname (`libjwks.so.MAJOR`) on ELF platforms, so
//! installed copies can be upgraded side by side.

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" || os.ends_with("bsd") {
        let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".into());
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libjwks.so.{major}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
