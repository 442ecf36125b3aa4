//! A versioned model registry on disk, with champion/challenger promotion and rollback.
//!
//! Layout under the root (default `models/` in the current directory; the CLI takes
//! `--registry DIR`):
//!
//! ```text
//! models/
//!   spx-filter/              one folder per model name
//!     v0001/model.bin        the fitted model (AnyClassifier bytes)
//!     v0001/meta.json        ModelMeta: features + definition hash, window, metrics, seed, code
//!     v0002/...
//!     champion.json          {"version": 2, "history": [...]}  which version serves
//! ```
//!
//! Every write is atomic: a version is written into a hidden staging folder and renamed
//! into place (two writers racing for the same number: the loser takes the next one);
//! `champion.json` is written to a temporary file and renamed over the old one. A reader
//! therefore sees a complete version or none. Loading with [`Registry::load_checked`]
//! compares the saved feature schema with the offered one and fails with
//! [`MlError::SchemaMismatch`] listing missing and unexpected names.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use thetalab_core::Timestamp;

use crate::error::{MlError, Result, SchemaDiff};
use crate::models::{AnyClassifier, Classifier, ModelKind};

/// The environment variable read by [`code_version_from_env`] for the git commit.
pub const GIT_COMMIT_ENV: &str = "THETALAB_GIT_COMMIT";

/// The code version recorded with a model: this crate's version, plus `+<commit>` when a
/// commit is known.
#[must_use]
pub fn code_version(commit: Option<&str>) -> String {
    match commit.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => format!("{}+{c}", env!("CARGO_PKG_VERSION")),
        None => env!("CARGO_PKG_VERSION").to_string(),
    }
}

/// [`code_version`] with the commit from `$THETALAB_GIT_COMMIT` (set by CI or a wrapper
/// script, e.g. `THETALAB_GIT_COMMIT=$(git rev-parse --short HEAD)`).
#[must_use]
pub fn code_version_from_env() -> String {
    code_version(std::env::var(GIT_COMMIT_ENV).ok().as_deref())
}

/// 64-bit FNV-1a hash (Fowler, Noll & Vo; IETF draft-eastlake-fnv): stable across
/// platforms, Rust versions and runs, unlike `std`'s `DefaultHasher`. The same function
/// as the feature set's definition hash ([`crate::features::fnv1a64`]), re-exported so
/// there is one copy.
pub use crate::features::fnv1a64;

/// The features a model was trained on: ordered names and a hash of their definitions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureSchema {
    /// Feature names in column order.
    pub names: Vec<String>,
    /// FNV-1a 64 (hex) over each `name \x1f definition \x1e` in order; a change in any
    /// definition (window, formula, look-back) changes the hash.
    pub definition_hash: String,
}

impl FeatureSchema {
    /// A schema from names and one definition string per name (e.g. the feature's
    /// description and look-back). Errors when the lengths differ.
    pub fn new(names: Vec<String>, definitions: &[String]) -> Result<FeatureSchema> {
        if names.len() != definitions.len() {
            return Err(MlError::Invalid {
                field: "definitions",
                reason: format!(
                    "{} definitions for {} names",
                    definitions.len(),
                    names.len()
                ),
            });
        }
        let mut buf = Vec::new();
        for (n, d) in names.iter().zip(definitions) {
            buf.extend_from_slice(n.as_bytes());
            buf.push(0x1f);
            buf.extend_from_slice(d.as_bytes());
            buf.push(0x1e);
        }
        Ok(FeatureSchema {
            names,
            definition_hash: format!("{:016x}", fnv1a64(&buf)),
        })
    }

    /// A schema whose definitions are the names themselves (for user tables with no
    /// definitions, e.g. `train --csv`).
    #[must_use]
    pub fn from_names(names: Vec<String>) -> FeatureSchema {
        let defs = names.clone();
        // Lengths match by construction.
        FeatureSchema::new(names, &defs).unwrap_or(FeatureSchema {
            names: Vec::new(),
            definition_hash: String::new(),
        })
    }

    /// Checks that `offered` is this schema (same names, same order, same hash).
    pub fn check(&self, offered: &FeatureSchema, model: &str) -> Result<()> {
        if self == offered {
            return Ok(());
        }
        let missing: Vec<String> = self
            .names
            .iter()
            .filter(|n| !offered.names.contains(n))
            .cloned()
            .collect();
        let unexpected: Vec<String> = offered
            .names
            .iter()
            .filter(|n| !self.names.contains(n))
            .cloned()
            .collect();
        let reordered = missing.is_empty() && unexpected.is_empty() && self.names != offered.names;
        Err(MlError::SchemaMismatch(Box::new(SchemaDiff {
            model: model.to_string(),
            missing,
            unexpected,
            reordered,
            expected_hash: self.definition_hash.clone(),
            found_hash: offered.definition_hash.clone(),
        })))
    }
}

/// The time span of the training rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainWindow {
    /// First training row, nanoseconds since the Unix epoch (UTC).
    pub start_ns: i64,
    /// Last training row, nanoseconds since the Unix epoch (UTC).
    pub end_ns: i64,
    /// `start_ns` as RFC 3339, for people.
    pub start: String,
    /// `end_ns` as RFC 3339, for people.
    pub end: String,
}

impl TrainWindow {
    /// The window from its first and last timestamps.
    #[must_use]
    pub fn new(start: Timestamp, end: Timestamp) -> TrainWindow {
        TrainWindow {
            start_ns: start.as_nanos(),
            end_ns: end.as_nanos(),
            start: start.to_rfc3339(),
            end: end.to_rfc3339(),
        }
    }
}

/// Everything saved beside a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelMeta {
    /// Registry name (folder).
    pub name: String,
    /// Version number, assigned by [`Registry::save`].
    pub version: u32,
    /// Which classifier.
    pub kind: ModelKind,
    /// The feature schema.
    pub features: FeatureSchema,
    /// The training window, when rows are timestamped.
    pub train_window: Option<TrainWindow>,
    /// Training rows.
    pub n_train: usize,
    /// Out-of-sample metrics (`auc`, `log_loss`, `brier`, `accuracy`, `ece`, ...). JSON
    /// has no NaN: a metric that is undefined (AUC on a one-class holdout) is written
    /// as `null` and read back as NaN.
    #[serde(deserialize_with = "metrics_with_nulls")]
    pub metrics: BTreeMap<String, f64>,
    /// The metric champion/challenger compares (e.g. `auc`).
    pub score_metric: String,
    /// The seed of the fit.
    pub seed: u64,
    /// [`code_version`] at training time.
    pub code_version: String,
}

/// Reads the metrics map, taking `null` (how `serde_json` writes a non-finite `f64`) as
/// NaN. Without it a model saved with an undefined metric could never be loaded again.
fn metrics_with_nulls<'de, D>(d: D) -> std::result::Result<BTreeMap<String, f64>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let m = BTreeMap::<String, Option<f64>>::deserialize(d)?;
    Ok(m.into_iter()
        .map(|(k, v)| (k, v.unwrap_or(f64::NAN)))
        .collect())
}

impl ModelMeta {
    /// The out-of-sample score champion/challenger compares, when recorded.
    #[must_use]
    pub fn score(&self) -> Option<f64> {
        self.metrics
            .get(&self.score_metric)
            .copied()
            .filter(|v| v.is_finite())
    }
}

/// Whether a larger value of `metric` is better (`auc`, `accuracy`, `precision`,
/// `recall`) or a smaller one (`log_loss`, `brier`, `ece`, anything else).
#[must_use]
pub fn higher_is_better(metric: &str) -> bool {
    matches!(metric, "auc" | "accuracy" | "precision" | "recall")
}

/// The outcome of a champion/challenger comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Promotion {
    /// Whether the challenger now serves.
    pub promoted: bool,
    /// The challenger's version.
    pub challenger: u32,
    /// The champion before the comparison.
    pub previous: Option<u32>,
    /// Why.
    pub reason: String,
}

/// Decides champion/challenger: promote when there is no champion score, or when the
/// challenger improves on it by more than `margin` in the metric's good direction.
#[must_use]
pub fn challenger_wins(
    champion: Option<f64>,
    challenger: f64,
    margin: f64,
    higher_better: bool,
) -> bool {
    if !challenger.is_finite() {
        return false;
    }
    match champion {
        None => true,
        Some(c) if higher_better => challenger > c + margin,
        Some(c) => challenger < c - margin,
    }
}

/// One change of champion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChampionEvent {
    /// The version that became champion.
    pub version: u32,
    /// `promote`, `rollback` or `set`.
    pub action: String,
    /// Why.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ChampionFile {
    version: u32,
    history: Vec<ChampionEvent>,
}

/// A registry rooted at a folder.
#[derive(Debug, Clone)]
pub struct Registry {
    root: PathBuf,
}

static STAGE_COUNTER: AtomicU64 = AtomicU64::new(0);

fn io_err(path: &Path, source: std::io::Error) -> MlError {
    MlError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn json_err(path: &Path, e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> MlError {
    MlError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    }
}

fn unique_suffix() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        STAGE_COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Writes `bytes` to `path` atomically: a temporary sibling, fsync, rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension(format!("tmp-{}", unique_suffix()));
    let mut f = fs::File::create(&tmp).map_err(|e| io_err(&tmp, e))?;
    f.write_all(bytes).map_err(|e| io_err(&tmp, e))?;
    f.sync_all().map_err(|e| io_err(&tmp, e))?;
    drop(f);
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        io_err(path, e)
    })
}

fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(MlError::Invalid {
            field: "name",
            reason: format!("{name:?}: use letters, digits, '-', '_' or '.' (not leading)"),
        })
    }
}

fn version_dir_name(v: u32) -> String {
    format!("v{v:04}")
}

impl Registry {
    /// The default root, `models` relative to the current directory.
    #[must_use]
    pub fn default_root() -> PathBuf {
        PathBuf::from("models")
    }

    /// A registry at `root` (created on first save).
    pub fn new(root: impl Into<PathBuf>) -> Registry {
        Registry { root: root.into() }
    }

    /// The root folder.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn model_dir(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// The model names in the registry, sorted.
    pub fn names(&self) -> Result<Vec<String>> {
        if !self.root.exists() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for e in fs::read_dir(&self.root).map_err(|e| io_err(&self.root, e))? {
            let e = e.map_err(|e| io_err(&self.root, e))?;
            let n = e.file_name().to_string_lossy().to_string();
            if e.path().is_dir() && check_name(&n).is_ok() {
                out.push(n);
            }
        }
        out.sort();
        Ok(out)
    }

    /// The saved versions of `name`, ascending (empty when none).
    pub fn versions(&self, name: &str) -> Result<Vec<u32>> {
        check_name(name)?;
        let dir = self.model_dir(name);
        if !dir.exists() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for e in fs::read_dir(&dir).map_err(|e| io_err(&dir, e))? {
            let e = e.map_err(|e| io_err(&dir, e))?;
            let n = e.file_name().to_string_lossy().to_string();
            if let Some(v) = n.strip_prefix('v').and_then(|s| s.parse::<u32>().ok())
                && e.path().join("meta.json").exists()
            {
                out.push(v);
            }
        }
        out.sort_unstable();
        Ok(out)
    }

    /// Saves `model` as the next version of `meta.name`; fills in `meta.version`,
    /// `meta.kind` and returns the stored metadata. Does not change the champion.
    pub fn save(&self, model: &AnyClassifier, mut meta: ModelMeta) -> Result<ModelMeta> {
        check_name(&meta.name)?;
        if meta.features.names.len() != model.n_features() {
            return Err(MlError::Invalid {
                field: "features",
                reason: format!(
                    "schema lists {} features, the model takes {}",
                    meta.features.names.len(),
                    model.n_features()
                ),
            });
        }
        let dir = self.model_dir(&meta.name);
        fs::create_dir_all(&dir).map_err(|e| io_err(&dir, e))?;
        let stage = dir.join(format!(".staging-{}", unique_suffix()));
        fs::create_dir(&stage).map_err(|e| io_err(&stage, e))?;
        meta.kind = model.kind();
        let bytes = model.to_bytes()?;
        let write_files = |meta: &ModelMeta| -> Result<()> {
            let mp = stage.join("model.bin");
            let mut f = fs::File::create(&mp).map_err(|e| io_err(&mp, e))?;
            // AnyClassifier bytes carry their kind header, so load needs nothing else.
            f.write_all(&bytes)
                .and_then(|()| f.sync_all())
                .map_err(|e| io_err(&mp, e))?;
            let jp = stage.join("meta.json");
            let json = serde_json::to_vec_pretty(meta).map_err(|e| json_err(&jp, e))?;
            fs::write(&jp, json).map_err(|e| io_err(&jp, e))
        };
        let last = self.versions(&meta.name)?.last().copied().unwrap_or(0);
        let first = last.checked_add(1).ok_or_else(|| MlError::Invalid {
            field: "version",
            reason: format!("{} already holds version {last}", dir.display()),
        })?;
        for next in first..first.saturating_add(1000) {
            meta.version = next;
            write_files(&meta)?;
            let target = dir.join(version_dir_name(next));
            if !target.exists() && fs::rename(&stage, &target).is_ok() {
                return Ok(meta);
            }
        }
        let _ = fs::remove_dir_all(&stage);
        Err(MlError::Invalid {
            field: "version",
            reason: format!("could not claim a version folder in {}", dir.display()),
        })
    }

    /// The metadata of `name` version `version`.
    pub fn meta(&self, name: &str, version: u32) -> Result<ModelMeta> {
        check_name(name)?;
        let p = self
            .model_dir(name)
            .join(version_dir_name(version))
            .join("meta.json");
        if !p.exists() {
            return Err(self.not_found(format!("{name} v{version}")));
        }
        let s = fs::read(&p).map_err(|e| io_err(&p, e))?;
        let meta: ModelMeta = serde_json::from_slice(&s).map_err(|e| json_err(&p, e))?;
        // A metadata file copied or moved between folders would otherwise describe
        // another model than the one loaded beside it.
        if meta.name != name || meta.version != version {
            return Err(json_err(
                &p,
                format!(
                    "the file describes {} v{}, but sits in the folder of {name} v{version}",
                    meta.name, meta.version
                ),
            ));
        }
        Ok(meta)
    }

    fn not_found(&self, what: String) -> MlError {
        MlError::NotFound {
            root: self.root.clone(),
            what,
        }
    }

    /// Loads `name` at `version` (`None`: the champion).
    pub fn load(&self, name: &str, version: Option<u32>) -> Result<(AnyClassifier, ModelMeta)> {
        let v = match version {
            Some(v) => v,
            None => self
                .champion(name)?
                .ok_or_else(|| self.not_found(format!("a champion for {name}")))?,
        };
        let meta = self.meta(name, v)?;
        let p = self
            .model_dir(name)
            .join(version_dir_name(v))
            .join("model.bin");
        let bytes = fs::read(&p).map_err(|e| io_err(&p, e))?;
        let model = AnyClassifier::from_bytes(&bytes)?;
        if model.n_features() != meta.features.names.len() {
            return Err(MlError::Model {
                model: "registry",
                reason: format!(
                    "{name} v{v}: model takes {} features, metadata lists {}",
                    model.n_features(),
                    meta.features.names.len()
                ),
            });
        }
        Ok((model, meta))
    }

    /// [`Registry::load`], then checks the saved feature schema against `offered`.
    pub fn load_checked(
        &self,
        name: &str,
        version: Option<u32>,
        offered: &FeatureSchema,
    ) -> Result<(AnyClassifier, ModelMeta)> {
        let (model, meta) = self.load(name, version)?;
        meta.features
            .check(offered, &format!("{name} v{}", meta.version))?;
        Ok((model, meta))
    }

    fn champion_path(&self, name: &str) -> PathBuf {
        self.model_dir(name).join("champion.json")
    }

    fn champion_file(&self, name: &str) -> Result<Option<ChampionFile>> {
        check_name(name)?;
        let p = self.champion_path(name);
        if !p.exists() {
            return Ok(None);
        }
        let s = fs::read(&p).map_err(|e| io_err(&p, e))?;
        serde_json::from_slice(&s)
            .map(Some)
            .map_err(|e| json_err(&p, e))
    }

    /// The serving version of `name`, if one was promoted.
    pub fn champion(&self, name: &str) -> Result<Option<u32>> {
        Ok(self.champion_file(name)?.map(|c| c.version))
    }

    /// Every change of champion of `name`, oldest first.
    pub fn history(&self, name: &str) -> Result<Vec<ChampionEvent>> {
        Ok(self
            .champion_file(name)?
            .map(|c| c.history)
            .unwrap_or_default())
    }

    fn set_champion(&self, name: &str, version: u32, action: &str, reason: String) -> Result<()> {
        // The version must exist.
        self.meta(name, version)?;
        let mut file = self.champion_file(name)?.unwrap_or(ChampionFile {
            version,
            history: Vec::new(),
        });
        file.version = version;
        file.history.push(ChampionEvent {
            version,
            action: action.to_string(),
            reason,
        });
        let p = self.champion_path(name);
        let json = serde_json::to_vec_pretty(&file).map_err(|e| json_err(&p, e))?;
        write_atomic(&p, &json)
    }

    /// Makes `version` the champion unconditionally (first deployment, manual choice).
    pub fn set(&self, name: &str, version: u32, reason: &str) -> Result<()> {
        self.set_champion(name, version, "set", reason.to_string())
    }

    /// Champion/challenger on the stored out-of-sample scores: the challenger
    /// (`version`) replaces the champion only when its `score_metric` beats the
    /// champion's by more than `margin` (see [`challenger_wins`]); with no champion it
    /// is promoted. Both must be scored with the same metric.
    pub fn promote_if_better(&self, name: &str, version: u32, margin: f64) -> Result<Promotion> {
        let challenger = self.meta(name, version)?;
        let ch_score = challenger.score().ok_or_else(|| MlError::Invalid {
            field: "metrics",
            reason: format!(
                "{name} v{version} has no finite {:?} score",
                challenger.score_metric
            ),
        })?;
        let previous = self.champion(name)?;
        let champ_score = match previous {
            Some(v) => {
                let m = self.meta(name, v)?;
                if m.score_metric != challenger.score_metric {
                    return Err(MlError::Invalid {
                        field: "score_metric",
                        reason: format!(
                            "champion v{v} is scored by {:?}, challenger v{version} by {:?}",
                            m.score_metric, challenger.score_metric
                        ),
                    });
                }
                m.score()
            }
            None => None,
        };
        self.decide_and_record(
            name,
            version,
            previous,
            champ_score,
            ch_score,
            margin,
            &challenger.score_metric,
        )
    }

    /// Champion/challenger with scores the caller computed on the same fresh out-of-sample
    /// rows (the fair comparison the [`Retrainer`](crate::filter::Retrainer) makes).
    #[allow(clippy::too_many_arguments)]
    pub fn decide_and_record(
        &self,
        name: &str,
        version: u32,
        previous: Option<u32>,
        champion_score: Option<f64>,
        challenger_score: f64,
        margin: f64,
        metric: &str,
    ) -> Result<Promotion> {
        // A NaN margin would make every comparison false: the champion kept forever,
        // with a reason that reads like a fair loss.
        if !margin.is_finite() {
            return Err(MlError::Invalid {
                field: "margin",
                reason: format!("{margin} is not a finite promotion margin"),
            });
        }
        let hb = higher_is_better(metric);
        let wins = challenger_wins(champion_score, challenger_score, margin, hb);
        let reason = match (champion_score, previous) {
            (None, None) => format!("no champion; challenger {metric} = {challenger_score:.6}"),
            // A champion whose score is undefined (AUC on a one-class holdout) or was
            // never recorded cannot be defended; say so rather than "no champion".
            (None, Some(v)) => format!(
                "champion v{v} has no finite {metric}; challenger {metric} = {challenger_score:.6}"
            ),
            (Some(c), _) => format!(
                "challenger {metric} {challenger_score:.6} vs champion {c:.6}, margin {margin}: {}",
                if wins { "promoted" } else { "kept champion" }
            ),
        };
        if wins {
            self.set_champion(name, version, "promote", reason.clone())?;
        }
        Ok(Promotion {
            promoted: wins,
            challenger: version,
            previous,
            reason,
        })
    }

    /// Makes an earlier (or any existing) version the champion again.
    pub fn rollback(&self, name: &str, version: u32) -> Result<()> {
        let from = self.champion(name)?;
        let reason = match from {
            Some(f) => format!("rollback from v{f}"),
            None => "rollback".to_string(),
        };
        self.set_champion(name, version, "rollback", reason)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn fnv1a_reference_vectors() {
        // From the FNV reference test suite (draft-eastlake-fnv, test vectors).
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn champion_rule() {
        assert!(challenger_wins(None, 0.6, 0.01, true));
        assert!(challenger_wins(Some(0.60), 0.62, 0.01, true));
        assert!(!challenger_wins(Some(0.60), 0.605, 0.01, true));
        assert!(challenger_wins(Some(0.50), 0.45, 0.01, false));
        assert!(!challenger_wins(Some(0.50), 0.495, 0.01, false));
        assert!(!challenger_wins(Some(0.5), f64::NAN, 0.0, true));
    }

    #[test]
    fn code_version_appends_commit() {
        assert_eq!(code_version(None), env!("CARGO_PKG_VERSION"));
        assert_eq!(
            code_version(Some("abc123")),
            format!("{}+abc123", env!("CARGO_PKG_VERSION"))
        );
    }
}
