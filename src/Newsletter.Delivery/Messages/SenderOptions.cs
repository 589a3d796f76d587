using System.ComponentModel.DataAnnotations;

namespace Newsletter.Delivery.Messages;

/// <summary>Who the newsletter comes from and where its public links point. Section <c>Newsletter:Sender</c>.</summary>
public sealed class SenderOptions
{
    public const string SectionName = "Newsletter:Sender";

    /// <summary>The From address and the envelope sender, e.g. <c>newsletter@example.com</c>. Its domain is used for Message-ID and List-Id.</summary>
    [Required(ErrorMessage = "Newsletter:Sender:FromAddress is required, e.g. newsletter@example.com.")]
    public string FromAddress { get; set; } = "";

    /// <summary>Display name in From, e.g. "The Weekly".</summary>
    public string? FromName { get; set; }

    /// <summary>Optional Reply-To address.</summary>
    public string? ReplyTo { get; set; }

    /// <summary>Absolute http(s) URL where the Worker's web endpoints are reachable, e.g. <c>https://newsletter.example.com</c>.</summary>
    [Required(ErrorMessage = "Newsletter:Sender:PublicBaseUrl is required, e.g. https://newsletter.example.com.")]
    public string PublicBaseUrl { get; set; } = "";
}
