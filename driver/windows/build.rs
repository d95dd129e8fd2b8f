//! Configures the WDK link (kernel libraries, driver entry, subsystem) for the driver binary.

fn main() -> Result<(), wdk_build::ConfigError> {
    wdk_build::configure_wdk_binary_build()
}
