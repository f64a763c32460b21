//! Where trials run, behind one interface: on this host, under Wine (both
//! started by [`crate::trial::run`]), or in the emulated aarch64 machine
//! ([`crate::vm`]), many trials per boot.

use crate::{
    binaries::Binaries,
    platform::Platform,
    trial::{self, Limits, NotRun, RunError, Trial, TrialRecord},
    vm, wine,
};

/// Where the trials of one platform run.
#[derive(Debug, Clone)]
pub enum Place {
    /// Started as processes here: native trials, or Windows trials under
    /// Wine.
    Processes(Binaries),
    /// In the emulated machine, with the cross-built executables.
    Emulated(Binaries, vm::Machine),
}

impl Place {
    /// Where `platform`'s trials run, or why they cannot run here: its
    /// executables are not built, or its machine or Wine is not set up.
    pub fn locate(platform: Platform) -> Result<Self, NotRun> {
        let not_here = |e: &dyn std::fmt::Display| NotRun::NoPlace(e.to_string());
        let binaries = Binaries::locate_for(platform).map_err(|e| not_here(&e))?;
        if platform.in_vm() {
            let machine = vm::Machine::locate().map_err(|e| not_here(&e))?;
            Ok(Self::Emulated(binaries, machine))
        } else {
            if platform.under_wine() {
                wine::Wine::locate().map_err(|e| not_here(&e))?;
            }
            Ok(Self::Processes(binaries))
        }
    }

    /// The platform its trials run on.
    pub fn platform(&self) -> Platform {
        self.binaries().platform
    }

    /// The executables its trials run.
    pub fn binaries(&self) -> &Binaries {
        match self {
            Self::Processes(binaries) | Self::Emulated(binaries, _) => binaries,
        }
    }

    /// Why `trial` cannot run here, if it cannot.
    pub fn refuses(&self, trial: &Trial) -> Result<(), NotRun> {
        trial.runs_on(self.platform(), self.binaries())
    }

    /// Runs `trials` (each one that [`Place::refuses`] lets through), `jobs`
    /// at a time, or all in one boot of the emulated machine. `finish` turns
    /// each record into a result; it runs on a worker thread for processes,
    /// so grading goes on in parallel too. `done` sees each result as it
    /// arrives, on the calling thread. Results come back in trial order.
    pub fn run<R: Send>(
        &self,
        trials: &[Trial],
        jobs: usize,
        finish: impl Fn(&Trial, Result<TrialRecord, RunError>) -> R + Sync,
        mut done: impl FnMut(usize, &R),
    ) -> Vec<R> {
        let limits = Limits::for_platform(self.platform());
        match self {
            Self::Processes(binaries) => trial::in_parallel(
                trials,
                jobs,
                |trial| finish(trial, trial::run(binaries, *trial, limits)),
                done,
            ),
            Self::Emulated(binaries, machine) => {
                let mut results: Vec<Option<R>> = trials.iter().map(|_| None).collect();
                let booted = machine.run(binaries, trials, limits, |index, record| {
                    let result = finish(&trials[index], record);
                    done(index, &result);
                    results[index] = Some(result);
                });
                let stopped =
                    booted.err().map(|e| -> std::sync::Arc<dyn std::error::Error + Send + Sync> {
                        std::sync::Arc::new(e)
                    });
                results
                    .into_iter()
                    .enumerate()
                    .map(|(index, result)| {
                        result.unwrap_or_else(|| {
                            let why = match &stopped {
                                Some(error) => RunError::MachineStopped(error.clone()),
                                None => RunError::NeverRan,
                            };
                            let result = finish(&trials[index], Err(why));
                            done(index, &result);
                            result
                        })
                    })
                    .collect()
            }
        }
    }
}
