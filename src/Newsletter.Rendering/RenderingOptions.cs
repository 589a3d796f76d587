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

    /// <summary>
    /// Where compiled templates are kept between runs, so a process whose templates have not changed since the last compile
    /// loads them instead of starting the C# compiler (seconds of CPU and about 100 MB). Empty: a folder of the operator's
    /// own (<c>~/.local/share/newsletter/compiled-templates</c>), never a shared temporary folder, since what is there is loaded
    /// and run. A relative path is resolved against the current directory.
    /// </summary>
    public string? CompiledTemplatesDirectory { get; set; }
}
