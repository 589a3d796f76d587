using System.ComponentModel.DataAnnotations;

namespace Newsletter.Rendering;

/// <summary>Where the Razor templates live (config section <c>Newsletter:Rendering</c>).</summary>
public sealed class RenderingOptions
{
    public const string SectionName = "Newsletter:Rendering";

    /// <summary>The folder holding <c>Issue.cshtml</c>, <c>Issue.txt.cshtml</c> and their partials.
    /// A relative path is resolved against the current directory.</summary>
    [Required]
    public string TemplatesDirectory { get; set; } = "templates";
}
