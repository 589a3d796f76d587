namespace Newsletter.Core.Errors;

/// <summary>Story files in the stories folder could not be read, so the week was not published: the issue would miss them.</summary>
/// <param name="problems">Each file's problem, naming the file, the line and the fix.</param>
public sealed class UnreadableStoryFilesException(IReadOnlyList<string> problems)
    : NewsletterException($"{problems.Count} story file(s) could not be read, so the issue was not published (it would miss them):" + Environment.NewLine +
                          string.Join(Environment.NewLine, problems.Select(p => "  " + p)) + Environment.NewLine +
                          "Fix them, or move them out of the folder, and publish again.")
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
