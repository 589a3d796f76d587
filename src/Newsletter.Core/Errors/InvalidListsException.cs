namespace Newsletter.Core.Errors;

/// <summary>The configured lists do not validate, and no earlier valid lists stand in for them, so nothing was sent.</summary>
/// <param name="problems">Each problem as the lists' validator words it (list, file or key, line, value and fix).</param>
public sealed class InvalidListsException(IReadOnlyList<string> problems)
    : NewsletterException("The lists are not valid, so nothing was sent:" + Environment.NewLine +
                          string.Join(Environment.NewLine, problems.Select(p => "  " + p)) + Environment.NewLine +
                          "Fix them in appsettings.json (or the CSV files it names); `newsletter lists validate` checks them.")
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
