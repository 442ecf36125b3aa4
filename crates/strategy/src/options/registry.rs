//! Options strategies by name, configured from a TOML table.

use serde::de::DeserializeOwned;

use super::OptionStrategy;
use super::common::{Scheduled, StructureTemplate};
use super::condor::{IronCondor0Dte, IronCondorConfig};
use super::select::{SelectorConfig, StrategySelector};
use super::spreads::{
    ButterflyConfig, IronButterflyConfig, StraddleConfig, StrangleConfig, VerticalConfig,
};
use super::stock::{CollarConfig, CoveredCallConfig, ProtectivePutConfig, Wheel, WheelConfig};
use super::time_spreads::{CalendarConfig, DiagonalConfig, FlyagonalConfig};
use crate::StrategyError;

/// Every registry name [`by_name`] accepts.
pub const OPTION_STRATEGY_NAMES: [&str; 14] = [
    IronCondor0Dte::NAME,
    VerticalConfig::NAME,
    IronButterflyConfig::NAME,
    ButterflyConfig::NAME,
    StraddleConfig::NAME,
    StrangleConfig::NAME,
    CalendarConfig::NAME,
    DiagonalConfig::NAME,
    FlyagonalConfig::NAME,
    CoveredCallConfig::NAME,
    ProtectivePutConfig::NAME,
    CollarConfig::NAME,
    Wheel::NAME,
    StrategySelector::NAME,
];

/// Reads a configuration from a TOML table (missing keys take their defaults; unknown
/// keys are an error).
pub fn config_from_toml<C: DeserializeOwned>(
    strategy: &str,
    params: &toml::Table,
) -> Result<C, StrategyError> {
    toml::Value::Table(params.clone())
        .try_into()
        .map_err(|e| StrategyError::InvalidConfig {
            strategy: strategy.to_string(),
            message: e.to_string().trim().to_string(),
        })
}

fn scheduled<T: StructureTemplate + DeserializeOwned>(
    params: &toml::Table,
) -> Result<Box<dyn OptionStrategy>, StrategyError> {
    Ok(Box::new(Scheduled::new(config_from_toml::<T>(
        T::NAME,
        params,
    )?)?))
}

/// The options strategy `name` (one of [`OPTION_STRATEGY_NAMES`]) configured by
/// `params` (its `…Config` as a TOML table; empty for the defaults).
pub fn by_name(name: &str, params: &toml::Table) -> Result<Box<dyn OptionStrategy>, StrategyError> {
    match name {
        IronCondor0Dte::NAME => Ok(Box::new(IronCondor0Dte::new(config_from_toml::<
            IronCondorConfig,
        >(name, params)?)?)),
        VerticalConfig::NAME => scheduled::<VerticalConfig>(params),
        IronButterflyConfig::NAME => scheduled::<IronButterflyConfig>(params),
        ButterflyConfig::NAME => scheduled::<ButterflyConfig>(params),
        StraddleConfig::NAME => scheduled::<StraddleConfig>(params),
        StrangleConfig::NAME => scheduled::<StrangleConfig>(params),
        CalendarConfig::NAME => scheduled::<CalendarConfig>(params),
        DiagonalConfig::NAME => scheduled::<DiagonalConfig>(params),
        FlyagonalConfig::NAME => scheduled::<FlyagonalConfig>(params),
        CoveredCallConfig::NAME => scheduled::<CoveredCallConfig>(params),
        ProtectivePutConfig::NAME => scheduled::<ProtectivePutConfig>(params),
        CollarConfig::NAME => scheduled::<CollarConfig>(params),
        Wheel::NAME => Ok(Box::new(Wheel::new(config_from_toml::<WheelConfig>(
            name, params,
        )?)?)),
        StrategySelector::NAME => Ok(Box::new(StrategySelector::new(config_from_toml::<
            SelectorConfig,
        >(name, params)?)?)),
        _ => Err(StrategyError::UnknownStrategy {
            name: name.to_string(),
            valid: OPTION_STRATEGY_NAMES.join(", "),
        }),
    }
}
