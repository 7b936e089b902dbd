// End-to-end tests start real processes that share two cores: run them one at a time so a busy
// neighbour cannot starve a cluster's heartbeats.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
