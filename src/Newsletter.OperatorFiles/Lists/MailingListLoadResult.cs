using Newsletter.Core.Lists;

namespace Newsletter.OperatorFiles.Lists;

/// <summary>The outcome of loading every configured list.</summary>
/// <param name="Lists">Lists that loaded without errors (warnings allowed), ordered by name, duplicates removed.</param>
/// <param name="Errors">Problems that must be fixed; a list with any error is left out of <paramref name="Lists"/>.</param>
/// <param name="Warnings">Problems that were worked around (e.g. a duplicate address kept once).</param>
public sealed record MailingListLoadResult(
    IReadOnlyList<MailingList> Lists,
    IReadOnlyList<ListProblem> Errors,
    IReadOnlyList<ListProblem> Warnings)
{
    public bool HasErrors => Errors.Count > 0;

    /// <summary>Finds a loaded list by name, ignoring case (configuration keys are case-insensitive).</summary>
    public MailingList? Find(string name) =>
        Lists.FirstOrDefault(l => string.Equals(l.Name, name, StringComparison.OrdinalIgnoreCase));
}
