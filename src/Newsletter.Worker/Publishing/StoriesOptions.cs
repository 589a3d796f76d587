using System.ComponentModel.DataAnnotations;

namespace Newsletter.Worker.Publishing;

/// <summary>Where the editor keeps story files (config section <c>Newsletter:Stories</c>).</summary>
public sealed class StoriesOptions
{
    public const string SectionName = "Newsletter:Stories";

    /// <summary>The folder <c>publish</c> and the weekly job import before composing; relative to the current directory.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Directory { get; set; } = "stories";
}
