using System.ComponentModel.DataAnnotations;

namespace Newsletter.Rendering;

/// <summary>How the newsletter presents itself in every issue (config section <c>Newsletter:Branding</c>).</summary>
public sealed class BrandingOptions
{
    public const string SectionName = "Newsletter:Branding";

    /// <summary>The newsletter's name, shown in the masthead and footer.</summary>
    [Required]
    public string Name { get; set; } = "Tensor Weekly";

    /// <summary>Links, rules and the masthead use this colour. A CSS hex colour: #rgb or #rrggbb.</summary>
    [RegularExpression("^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$",
        ErrorMessage = "Newsletter:Branding:AccentColor must be a hex colour such as #4f46e5 or #46e.")]
    public string AccentColor { get; set; } = "#4f46e5";

    /// <summary>An absolute https URL of a logo image for the masthead; the name is shown as text when absent.</summary>
    [Url]
    public string? LogoUrl { get; set; }

    /// <summary>The sender's postal address, printed in the footer (anti-spam laws require one).</summary>
    public string PostalAddress { get; set; } = "";
}
