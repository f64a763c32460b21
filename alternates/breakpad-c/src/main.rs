//! `crashsuite-case-breakpad-c`: the case executable whose main() is C
//! (case.c). This file only brings in what case.c calls: the cases' C library
//! and Breakpad's C interface.

#![no_main]

use breakpad_sys as _;
use crashsuite_cases_c as _;
