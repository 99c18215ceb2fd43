//! Two `folio serve` processes sharing one PostgreSQL catalog (a throwaway cluster) work
//! through one job queue: uploads to either are run by whichever worker is free, a
//! cancellation asked of one server stops a job the other runs, and a server killed with -9
//! mid-job loses its lease to the other, which runs the job again: every job ends
//! `succeeded` exactly once, with exactly one callback (`common/two_servers.rs`).

mod common;
#[path = "common/postgres.rs"]
mod postgres_cluster;

#[test]
fn two_servers_share_one_queue_and_a_killed_one_loses_its_jobs_to_the_other() {
    let url = postgres_cluster::cluster().database();
    common::two_servers::two_servers_share_one_queue(&format!("catalog = \"{url}\""), false);
}
