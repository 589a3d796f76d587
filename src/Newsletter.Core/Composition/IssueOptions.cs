using System.ComponentModel.DataAnnotations;

namespace Newsletter.Core.Composition;

/// <summary>How issues are composed (config section <c>Newsletter:Issue</c>).</summary>
public sealed class IssueOptions
{
    public const string SectionName = "Newsletter:Issue";

    /// <summary>
    /// The subject line. Placeholders: <c>{FeaturedTitle}</c>, <c>{Number}</c>, <c>{WeekEnding}</c> (e.g. "6 April 2026").
    /// </summary>
    [Required(AllowEmptyStrings = false)]
    public string SubjectFormat { get; set; } = "#{Number}: {FeaturedTitle}";

    /// <summary>The longest preheader (the inbox preview line) in characters; longer text is cut at a word.</summary>
    [Range(40, 250)]
    public int PreheaderLength { get; set; } = 140;
}
