//! IAM role ARNs: the one ARN shape rolecall assumes into.

use std::fmt;
use std::str::FromStr;

/// A parsed `arn:<partition>:iam::<account>:role/<path/>name`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoleArn {
    /// The whole ARN; the parts below are byte ranges of it (one allocation
    /// per ARN: the catalog holds thousands).
    arn: String,
    partition_end: usize,
    account_start: usize,
    account_end: usize,
    name_start: usize,
}

impl RoleArn {
    /// Builds the ARN of role `name` in `account` in the standard partition.
    pub fn new(account: &str, name: &str) -> Self {
        Self::in_partition("aws", account, name)
    }

    /// An ARN from its text and the offsets of its parts (`arn:P:iam::A:role/…N`).
    fn from_parts(arn: String, partition: &str, account: &str, name_len: usize) -> Self {
        let partition_end = 4 + partition.len();
        let account_start = partition_end + ":iam::".len();
        let account_end = account_start + account.len();
        let name_start = arn.len().saturating_sub(name_len);
        Self { arn, partition_end, account_start, account_end, name_start }
    }

    /// The partition (`aws`, `aws-cn`, `aws-eusc`, …).
    pub fn partition(&self) -> &str {
        &self.arn[4..self.partition_end]
    }

    /// The 12-digit account id.
    pub fn account(&self) -> &str {
        &self.arn[self.account_start..self.account_end]
    }

    /// The role name, without its path.
    pub fn name(&self) -> &str {
        &self.arn[self.name_start..]
    }

    /// The full ARN text.
    pub fn as_str(&self) -> &str {
        &self.arn
    }
}

impl fmt::Display for RoleArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.arn)
    }
}

/// Why a string is not a role ARN; worded to follow "is not a role ARN: ".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ArnError(&'static str);

impl FromStr for RoleArn {
    type Err = ArnError;

    fn from_str(s: &str) -> Result<Self, ArnError> {
        let parts: Vec<&str> = s.splitn(6, ':').collect();
        if parts.len() != 6 || parts[0] != "arn" {
            return Err(ArnError("expected 'arn:aws:iam::<12-digit account>:role/<name>'"));
        }
        let (partition, service, region, account, resource) = (parts[1], parts[2], parts[3], parts[4], parts[5]);
        if !is_partition(partition) {
            return Err(ArnError(
                "the partition must be 'aws' or 'aws-' and lowercase letters or digits, e.g. 'aws-cn', 'aws-eusc'",
            ));
        }
        if service != "iam" || !region.is_empty() {
            return Err(ArnError("a role ARN has service 'iam' and an empty region: 'arn:aws:iam::…'"));
        }
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ArnError("the account must be 12 digits"));
        }
        let Some(path_and_name) = resource.strip_prefix("role/") else {
            return Err(ArnError("the resource must start with 'role/'"));
        };
        let (path, name) = path_and_name.rsplit_once('/').unwrap_or(("", path_and_name));
        // IAM paths are printable ASCII without spaces, at most 512 characters.
        if path.len() > 510 || !path.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ArnError("the role path must be printable ASCII without spaces, at most 512 characters"));
        }
        let valid_char = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c);
        if name.is_empty() || name.len() > 64 || !name.chars().all(valid_char) {
            return Err(ArnError("the role name must be 1-64 characters of letters, digits and '+=,.@_-'"));
        }
        Ok(Self::from_parts(s.to_owned(), partition, account, name.len()))
    }
}

impl RoleArn {
    /// Builds the ARN of role `name` in `account` in `partition` (`aws`, `aws-us-gov`, `aws-cn`, …).
    pub fn in_partition(partition: &str, account: &str, name: &str) -> Self {
        Self::from_parts(format!("arn:{partition}:iam::{account}:role/{name}"), partition, account, name.len())
    }
}

impl RoleArn {
    /// An ARN that rolecall itself wrote and validated before (the catalog
    /// snapshot): its parts are located, not checked again; `None` when the
    /// text does not have the shape `arn:P:iam::A:role/…N` at all.
    pub fn from_known(arn: String) -> Option<Self> {
        let rest = arn.strip_prefix("arn:")?;
        let partition_end = 4 + rest.find(':')?;
        let account_start = partition_end + ":iam::".len();
        let account_end = account_start + arn.get(account_start..)?.find(':')?;
        let resource = arn.get(account_end + 1..)?.strip_prefix("role/")?;
        let name_len = resource.rsplit('/').next()?.len();
        if name_len == 0 || arn.get(partition_end..account_start)? != ":iam::" {
            return None;
        }
        let name_start = arn.len() - name_len;
        Some(Self { arn, partition_end, account_start, account_end, name_start })
    }
}

impl serde::Serialize for RoleArn {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.arn)
    }
}

impl<'de> serde::Deserialize<'de> for RoleArn {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// `aws`, or `aws` followed by `-segment`s of lowercase letters and digits.
/// A shape, not a list: AWS adds partitions (`aws-iso-e`, `aws-iso-f`,
/// `aws-eusc`, …) and the AWS CLI accepts them without an update.
fn is_partition(partition: &str) -> bool {
    let Some(rest) = partition.strip_prefix("aws") else { return false };
    rest.is_empty()
        || rest.strip_prefix('-').is_some_and(|segments| {
            segments
                .split('-')
                .all(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_arns_are_located_like_parsed_ones() {
        for text in ["arn:aws:iam::222222222222:role/ReadOnly", "arn:aws-us-gov:iam::333333333333:role/a/b/Dev"] {
            let parsed: RoleArn = text.parse().unwrap();
            assert_eq!(RoleArn::from_known(text.to_owned()), Some(parsed));
        }
        for bad in ["", "arn:aws", "arn:aws:sts::1:role/x", "arn:aws:iam::1:user/x", "arn:aws:iam::1:role/", "xarn:a"] {
            assert_eq!(RoleArn::from_known(bad.to_owned()), None, "{bad}");
        }
    }

    #[test]
    fn parses_and_rejects() {
        let ok = [
            ("arn:aws:iam::222222222222:role/ReadOnly", "222222222222", "ReadOnly"),
            ("arn:aws:iam::222222222222:role/team/a/Dev", "222222222222", "Dev"),
            ("arn:aws-cn:iam::333333333333:role/x.y@z", "333333333333", "x.y@z"),
        ];
        for (s, account, name) in ok {
            let arn: RoleArn = s.parse().unwrap();
            assert_eq!((arn.account(), arn.name(), arn.as_str()), (account, name, s));
        }
        let bad = [
            ("", "expected"),
            ("arn:aws:iam::22222222222:role/R", "12 digits"),
            ("arn:aws:iam::222222222222:user/R", "'role/'"),
            ("arn:aws:sts::222222222222:role/R", "service 'iam'"),
            ("arn:foo:iam::222222222222:role/R", "partition"),
            ("arn:aws:iam::222222222222:role/", "role name"),
            ("arn:aws:iam::222222222222:role/a b", "role name"),
        ];
        for (s, msg) in bad {
            let err = s.parse::<RoleArn>().unwrap_err().to_string();
            assert!(err.contains(msg), "{s}: {err}");
        }
    }

    #[test]
    fn partitions_are_validated_by_shape_not_by_a_list() {
        let ok = [
            ("arn:aws:iam::222222222222:role/R", "aws"),
            ("arn:aws-cn:iam::222222222222:role/R", "aws-cn"),
            ("arn:aws-us-gov:iam::222222222222:role/R", "aws-us-gov"),
            ("arn:aws-iso-b:iam::222222222222:role/R", "aws-iso-b"),
            ("arn:aws-iso-e:iam::222222222222:role/R", "aws-iso-e"),
            ("arn:aws-iso-f:iam::222222222222:role/R", "aws-iso-f"),
            ("arn:aws-eusc:iam::222222222222:role/R", "aws-eusc"),
            ("arn:aws-eusc:iam::222222222222:role/team/a/R", "aws-eusc"),
        ];
        for (s, partition) in ok {
            let arn: RoleArn = s.parse().unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!((arn.partition(), arn.account(), arn.name()), (partition, "222222222222", "R"), "{s}");
        }
        assert_eq!(RoleArn::new("222222222222", "R").partition(), "aws");
        let bad = [
            "arn::iam::222222222222:role/R",
            "arn:AWS:iam::222222222222:role/R",
            "arn:awsx:iam::222222222222:role/R",
            "arn:aws-:iam::222222222222:role/R",
            "arn:aws-ISO:iam::222222222222:role/R",
            "arn:aws_cn:iam::222222222222:role/R",
            "arn:aws--cn:iam::222222222222:role/R",
            "arn:aws-cn-:iam::222222222222:role/R",
            "arn:gcp:iam::222222222222:role/R",
        ];
        for s in bad {
            let err = s.parse::<RoleArn>().unwrap_err().to_string();
            assert!(err.contains("partition"), "{s}: {err}");
        }
        let bad_paths = ["arn:aws:iam::222222222222:role/a b/R", "arn:aws:iam::222222222222:role/\u{e9}/R"];
        for s in bad_paths {
            let err = s.parse::<RoleArn>().unwrap_err().to_string();
            assert!(err.contains("path"), "{s}: {err}");
        }
    }
}
