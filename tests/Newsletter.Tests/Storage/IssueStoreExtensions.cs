using Newsletter.Core.Composition;

namespace Newsletter.Tests.Storage;

internal static class IssueStoreExtensions
{
    /// <summary>Stores a ready-made test issue under the number the store decides (the draft's number is replaced).</summary>
    public static Task<Issue> SaveAsync(this IIssueStore store, Issue draft, CancellationToken cancellationToken) =>
        store.CreateAsync(draft.WeekEnding, number => draft with { Number = number }, cancellationToken);
}
