//! Exact Organizations requests and error handling, with aws-smithy-mocks
//! (what moto cannot show: AccessDenied, throttling, page sizes).

use std::time::Duration;

use aws_sdk_organizations::Client;
use aws_sdk_organizations::config::retry::RetryConfig;
use aws_sdk_organizations::operation::list_accounts::{ListAccountsError, ListAccountsOutput};
use aws_sdk_organizations::operation::list_accounts_for_parent::ListAccountsForParentOutput;
use aws_sdk_organizations::operation::list_organizational_units_for_parent::ListOrganizationalUnitsForParentOutput;
use aws_sdk_organizations::operation::list_roots::ListRootsOutput;
use aws_sdk_organizations::operation::list_tags_for_resource::{ListTagsForResourceError, ListTagsForResourceOutput};
use aws_sdk_organizations::types::{Account as SdkAccount, AccountState, OrganizationalUnit, Root, Tag};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_types::error::ErrorMetadata;

use super::discover::{DiscoveryFailure, MAX_OU_DEPTH, PAGE_SIZE, discover};
use super::*;

/// The mock organisation: (OU id, parent id, name) and which parent each account is in.
const OUS: &[(&str, &str, &str)] = &[
    ("ou-w", "r-1", "Workloads"),
    ("ou-p", "ou-w", "Prod"),
    ("ou-e", "ou-p", "EU"),
    ("ou-x", "ou-e", "Payments Zürich"),
    ("ou-s", "r-1", "Security"),
];
const ACCOUNTS: usize = 45;

fn account_id(i: usize) -> String {
    format!("{:012}", 100_000_000_000 + i)
}

fn parent_of(i: usize) -> &'static str {
    ["r-1", "ou-w", "ou-p", "ou-e", "ou-x", "ou-s", "ou-x"][i % 7]
}

fn sdk_account(i: usize) -> SdkAccount {
    let state = if i == 7 { AccountState::Suspended } else { AccountState::Active };
    SdkAccount::builder()
        .id(account_id(i))
        .name(format!("acct {i}"))
        .email(format!("a{i}@example.com"))
        .state(state)
        .build()
}

/// A page of `items` starting at `token` (an index), at most [`PAGE_SIZE`] long.
fn page<T: Clone>(items: &[T], token: Option<&str>) -> (Vec<T>, Option<String>) {
    let start: usize = token.and_then(|t| t.parse().ok()).unwrap_or(0);
    let end = (start + PAGE_SIZE as usize).min(items.len());
    let next = (end < items.len()).then(|| end.to_string());
    (items[start..end].to_vec(), next)
}

fn tree_rules() -> Vec<Rule> {
    let accounts =
        mock!(Client::list_accounts).match_requests(|r| r.max_results() == Some(PAGE_SIZE)).then_compute_output(|r| {
            let all: Vec<SdkAccount> = (0..ACCOUNTS).map(sdk_account).collect();
            let (items, next) = page(&all, r.next_token());
            ListAccountsOutput::builder().set_accounts(Some(items)).set_next_token(next).build()
        });
    let roots = mock!(Client::list_roots)
        .then_output(|| ListRootsOutput::builder().roots(Root::builder().id("r-1").name("Root").build()).build());
    let ous = mock!(Client::list_organizational_units_for_parent)
        .match_requests(|r| r.max_results() == Some(PAGE_SIZE))
        .then_compute_output(|r| {
            let children = OUS
                .iter()
                .filter(|(_, parent, _)| Some(*parent) == r.parent_id())
                .map(|(id, _, name)| OrganizationalUnit::builder().id(*id).name(*name).build())
                .collect();
            ListOrganizationalUnitsForParentOutput::builder().set_organizational_units(Some(children)).build()
        });
    let in_parent = mock!(Client::list_accounts_for_parent)
        .match_requests(|r| r.max_results() == Some(PAGE_SIZE))
        .then_compute_output(|r| {
            let here: Vec<SdkAccount> =
                (0..ACCOUNTS).filter(|i| Some(parent_of(*i)) == r.parent_id()).map(sdk_account).collect();
            let (items, next) = page(&here, r.next_token());
            ListAccountsForParentOutput::builder().set_accounts(Some(items)).set_next_token(next).build()
        });
    vec![accounts, roots, ous, in_parent]
}

fn tags_rule() -> Rule {
    mock!(Client::list_tags_for_resource).then_compute_output(|r| {
        let id = r.resource_id().unwrap_or_default();
        let n: usize = id.trim_start_matches('1').parse().unwrap_or(0);
        let mut out = ListTagsForResourceOutput::builder();
        if !n.is_multiple_of(5) {
            out = out.tags(Tag::builder().key("env").value(format!("e{}", n % 3)).build().unwrap());
        }
        out.build()
    })
}

fn fast_retries(c: aws_sdk_organizations::config::Builder) -> aws_sdk_organizations::config::Builder {
    c.retry_config(RetryConfig::standard().with_max_attempts(3).with_initial_backoff(Duration::from_millis(5)))
}

#[tokio::test]
async fn accounts_are_paged_placed_by_one_ou_walk_and_tagged() {
    let mut rules = tree_rules();
    rules.push(tags_rule());
    let client = mock_client!(aws_sdk_organizations, RuleMode::MatchAny, rules.iter());
    let accounts = discover(&client, 4).await.unwrap();
    assert_eq!(accounts.len(), ACCOUNTS);
    let path = |parent: &str| match parent {
        "r-1" => "/",
        "ou-w" => "/Workloads",
        "ou-p" => "/Workloads/Prod",
        "ou-e" => "/Workloads/Prod/EU",
        "ou-x" => "/Workloads/Prod/EU/Payments Zürich",
        _ => "/Security",
    };
    for (i, a) in accounts.iter().enumerate() {
        assert_eq!(a.id, account_id(i));
        assert_eq!(a.name, format!("acct {i}"));
        assert_eq!(a.ou.as_deref(), Some(path(parent_of(i))), "{}", a.id);
        assert_eq!(a.state, if i == 7 { "SUSPENDED" } else { "ACTIVE" });
        assert_eq!(!a.tags.contains_key("env"), i.is_multiple_of(5), "{}", a.id);
    }
    let calls: Vec<usize> = rules.iter().map(Rule::num_calls).collect();
    // ListAccounts: 45 accounts at 20 a page = 3 pages. ListRoots once. Every node
    // (root + 5 OUs) once for its OUs and once per page of its accounts. Tags once per account.
    assert_eq!(calls, vec![3, 1, 6, 6, 45]);
}

#[tokio::test]
async fn access_denied_names_the_permission_and_who_to_ask() {
    let denied = mock!(Client::list_accounts).then_error(|| {
        ListAccountsError::generic(
            ErrorMetadata::builder()
                .code("AccessDeniedException")
                .message("You don't have permissions to access this resource.")
                .build(),
        )
    });
    let client = mock_client!(aws_sdk_organizations, RuleMode::MatchAny, [&denied]);
    let failure = discover(&client, 8).await.unwrap_err();
    let org: OrgSettings = toml::from_str("name = 'acme'\nprofile = 'member'\nroles = ['ReadOnly']").unwrap();
    let err = OrgError::from_discovery(failure, &org, "arn:aws:iam::222222222222:user/alice", "http://mock");
    assert_eq!(err.exit_code(), 2);
    let text = err.to_string();
    for want in [
        "AccessDenied: organizations:ListAccounts was refused for 'arn:aws:iam::222222222222:user/alice' (organisation 'acme', profile 'member')",
        "Discovery needs organizations:ListAccounts, ListRoots, ListOrganizationalUnitsForParent, ListAccountsForParent and ListTagsForResource",
        "management account",
        "delegated administrator",
        "AWS said: You don't have permissions to access this resource.",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
}

#[tokio::test]
async fn throttling_is_retried_with_backoff() {
    let throttled = || {
        ListAccountsError::generic(
            ErrorMetadata::builder().code("TooManyRequestsException").message("Rate exceeded").build(),
        )
    };
    let accounts = mock!(Client::list_accounts)
        .sequence()
        .error(throttled)
        .times(2)
        .output(|| ListAccountsOutput::builder().accounts(sdk_account(0)).build())
        .build();
    let mut rules = tree_rules();
    rules[0] = accounts;
    rules.push(tags_rule());
    let client = mock_client!(aws_sdk_organizations, RuleMode::MatchAny, rules.iter(), fast_retries);
    let found = discover(&client, 8).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(rules[0].num_calls(), 3, "two throttled attempts, then success");
}

#[tokio::test]
async fn a_failure_anywhere_gives_no_snapshot() {
    let mut rules = tree_rules();
    rules.push(mock!(Client::list_tags_for_resource).then_error(|| {
        ListTagsForResourceError::generic(ErrorMetadata::builder().code("AccessDeniedException").message("no").build())
    }));
    let client = mock_client!(aws_sdk_organizations, RuleMode::MatchAny, rules.iter());
    match discover(&client, 8).await {
        Err(DiscoveryFailure::Call { operation: "ListTagsForResource", .. }) => {}
        other => panic!("{other:?}"),
    }
    let empty = mock!(Client::list_accounts).then_output(|| ListAccountsOutput::builder().build());
    let client = mock_client!(aws_sdk_organizations, RuleMode::MatchAny, [&empty]);
    assert!(matches!(discover(&client, 8).await, Err(DiscoveryFailure::Empty)));
}

/// Rules for an organisation of one account under the root whose OU tree is
/// `children(parent)`: (OU id, name) pairs, whatever the server makes up.
fn odd_tree_rules(children: fn(&str) -> Vec<(String, String)>) -> Vec<Rule> {
    let accounts =
        mock!(Client::list_accounts).then_output(|| ListAccountsOutput::builder().accounts(sdk_account(0)).build());
    let roots = mock!(Client::list_roots)
        .then_output(|| ListRootsOutput::builder().roots(Root::builder().id("r-1").name("Root").build()).build());
    let ous = mock!(Client::list_organizational_units_for_parent).then_compute_output(move |r| {
        let list = children(r.parent_id().unwrap_or_default())
            .into_iter()
            .map(|(id, name)| OrganizationalUnit::builder().id(id).name(name).build())
            .collect();
        ListOrganizationalUnitsForParentOutput::builder().set_organizational_units(Some(list)).build()
    });
    let in_parent = mock!(Client::list_accounts_for_parent).then_compute_output(|r| {
        let here = if r.parent_id() == Some("r-1") { vec![sdk_account(0)] } else { vec![] };
        ListAccountsForParentOutput::builder().set_accounts(Some(here)).build()
    });
    vec![accounts, roots, ous, in_parent, tags_rule()]
}

#[tokio::test]
async fn an_ou_listed_under_its_own_descendant_is_walked_once() {
    // r-1 → ou-a → ou-b → (ou-a again, the root again, ou-b itself): a cycle AWS cannot have.
    let rules = odd_tree_rules(|parent| {
        let ou = |id: &str, name: &str| (id.to_owned(), name.to_owned());
        match parent {
            "r-1" => vec![ou("ou-a", "A")],
            "ou-a" => vec![ou("ou-b", "B"), ou("ou-b", "B")],
            "ou-b" => vec![ou("ou-a", "A"), ou("r-1", "Root"), ou("ou-b", "B")],
            _ => vec![],
        }
    });
    let client = mock_client!(aws_sdk_organizations, RuleMode::MatchAny, rules.iter());
    // A regression would loop for ever; the timeout turns that into a failure.
    let found = tokio::time::timeout(Duration::from_secs(10), discover(&client, 4))
        .await
        .expect("the OU walk did not finish")
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].ou.as_deref(), Some("/"));
    assert_eq!(rules[2].num_calls(), 3, "r-1, ou-a and ou-b are each asked once for their OUs");
    assert_eq!(rules[3].num_calls(), 3, "and once for their accounts");
}

#[tokio::test]
async fn an_ou_tree_deeper_than_aws_allows_is_refused() {
    // Every OU has one child: ou-1 → ou-2 → … without end.
    let rules = odd_tree_rules(|parent| {
        let next = match parent {
            "r-1" => 1,
            p => p.trim_start_matches("ou-").parse::<usize>().unwrap_or(0) + 1,
        };
        vec![(format!("ou-{next}"), format!("L{next}"))]
    });
    let client = mock_client!(aws_sdk_organizations, RuleMode::MatchAny, rules.iter());
    let failure = tokio::time::timeout(Duration::from_secs(10), discover(&client, 4))
        .await
        .expect("the OU walk did not finish")
        .unwrap_err();
    let want: String = (1..=MAX_OU_DEPTH + 1).map(|i| format!("/L{i}")).collect();
    match failure {
        DiscoveryFailure::TooDeep { path } => assert_eq!(path, want),
        other => panic!("{other:?}"),
    }
    assert_eq!(rules[2].num_calls(), MAX_OU_DEPTH + 1, "the root and ten levels, no more");

    // Five levels below the root, as AWS allows, are walked.
    let rules = odd_tree_rules(|parent| match parent {
        "r-1" => vec![("ou-1".into(), "L1".into())],
        p => {
            let n = p.trim_start_matches("ou-").parse::<usize>().unwrap_or(9);
            if n < 5 { vec![(format!("ou-{}", n + 1), format!("L{}", n + 1))] } else { vec![] }
        }
    });
    let client = mock_client!(aws_sdk_organizations, RuleMode::MatchAny, rules.iter());
    assert_eq!(discover(&client, 4).await.unwrap().len(), 1);
    assert_eq!(rules[2].num_calls(), 6);
}
