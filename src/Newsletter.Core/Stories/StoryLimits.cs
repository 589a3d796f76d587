namespace Newsletter.Core.Stories;

/// <summary>
/// How big a story may be. A summary is a few paragraphs; far beyond that is a mistake (a pasted article, a binary file)
/// that would otherwise become an email of megabytes that Gmail clips and many servers refuse.
/// </summary>
public static class StoryLimits
{
    /// <summary>The longest summary, in UTF-8 bytes of Markdown.</summary>
    public const int MaxSummaryBytes = 64 * 1024;

    /// <summary>The longest title, in characters: it is also the subject line of an issue that features it.</summary>
    public const int MaxTitleLength = 300;

    /// <summary>
    /// The longest slug, in characters. A slug is a key the store indexes; PostgreSQL refuses an index entry of more than
    /// about 2.7 KB, so a longer slug must be refused here, the same for both stores, rather than by the database.
    /// </summary>
    public const int MaxSlugLength = 100;

    /// <summary>The largest story file read at all; larger files are refused without being read into memory.</summary>
    public const int MaxFileBytes = 1024 * 1024;
}
