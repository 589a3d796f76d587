namespace Newsletter.Core.Errors;

/// <summary>There is no issue with this number.</summary>
public sealed class IssueNotFoundException(int issueNumber)
    : NewsletterException($"There is no issue #{issueNumber}. `newsletter issue list` shows the issues; `newsletter issue compose` makes one.")
{
    public int IssueNumber { get; } = issueNumber;
}
