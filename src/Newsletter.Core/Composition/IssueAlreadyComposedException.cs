using Newsletter.Core.Errors;

namespace Newsletter.Core.Composition;

/// <summary>Thrown when the week already has an issue: an issue, once composed, is frozen and never composed again.</summary>
public sealed class IssueAlreadyComposedException(Issue existing)
    : NewsletterException($"Issue #{existing.Number} already covers the week ending {existing.WeekEnding:yyyy-MM-dd} (composed {existing.ComposedAt:yyyy-MM-dd HH:mm} UTC). " +
                $"It is frozen: send it with `newsletter send {existing.Number} --list NAME`, or preview it with `newsletter issue preview {existing.Number} --out DIR`.")
{
    public Issue Existing { get; } = existing;
}
