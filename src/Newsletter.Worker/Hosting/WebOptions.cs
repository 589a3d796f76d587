using System.ComponentModel.DataAnnotations;

namespace Newsletter.Worker.Hosting;

/// <summary>Where <c>newsletter run</c> listens (config section <c>Newsletter:Web</c>).</summary>
public sealed class WebOptions
{
    public const string SectionName = "Newsletter:Web";

    /// <summary>Kestrel URLs, ';'-separated. Loopback by default: the dashboard controls sends.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Urls { get; set; } = "http://127.0.0.1:5080";
}
