using System.ComponentModel.DataAnnotations;

namespace Newsletter.Delivery.Messages;

/// <summary>Who the newsletter comes from and where its public links point. Section <c>Newsletter:Sender</c>.</summary>
public sealed class SenderOptions
{
    public const string SectionName = "Newsletter:Sender";

    /// <summary>The From address, e.g. <c>newsletter@example.com</c>. Its domain is used for Message-ID and List-Id. Also the envelope sender unless <see cref="ReturnPath"/> is set.</summary>
    [Required(ErrorMessage = "Newsletter:Sender:FromAddress is required, e.g. newsletter@example.com.")]
    public string FromAddress { get; set; } = "";

    /// <summary>Display name in From, e.g. "The Weekly".</summary>
    public string? FromName { get; set; }

    /// <summary>Optional Reply-To address.</summary>
    public string? ReplyTo { get; set; }

    /// <summary>
    /// The envelope sender (SMTP MAIL FROM, which the receiving server records as Return-Path), where bounces go,
    /// e.g. <c>bounces@bounces.example.com</c>. Defaults to <see cref="FromAddress"/>. For SPF alignment under DMARC its
    /// domain should be the From domain or a subdomain of it.
    /// </summary>
    public string? ReturnPath { get; set; }

    /// <summary>
    /// When true, each message's envelope sender encodes its recipient (VERP):
    /// <c>bounces+alice=example.com@bounces.example.com</c> for <c>alice@example.com</c>, so a bounce names the
    /// subscriber even when the bounce report itself does not. See <see cref="VerpAddress"/>.
    /// </summary>
    public bool Verp { get; set; }

    /// <summary>
    /// The SenderId, the last field of the Feedback-ID header (<c>issue-12:readers:newsletter:SenderId</c>),
    /// which Gmail's feedback loop reports complaints by. Letters, digits, '.', '_' and '-'. Defaults to the From
    /// domain with dots as '-'. Keep it the same from issue to issue.
    /// </summary>
    public string? FeedbackSenderId { get; set; }

    /// <summary>Absolute http(s) URL where the Worker's web endpoints are reachable, e.g. <c>https://newsletter.example.com</c>.</summary>
    [Required(ErrorMessage = "Newsletter:Sender:PublicBaseUrl is required, e.g. https://newsletter.example.com.")]
    public string PublicBaseUrl { get; set; } = "";
}
