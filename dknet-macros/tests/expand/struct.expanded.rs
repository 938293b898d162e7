struct Bridge;
::core::compile_error! {
    "`#[network_driver]` goes on an inherent `impl` block, not on a struct\nhelp: write the driver's protocol methods in `impl YourDriver { ... }` and put the attribute there"
}
