namespace Newsletter.Tests.Support;

/// <summary>
/// Tests that start a Hangfire server run one at a time: Hangfire keeps its filters and log provider in process-wide
/// statics, and two job servers polling two databases on two cores only slow each other down.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HangfireCollection
{
    public const string Name = "Hangfire";
}
