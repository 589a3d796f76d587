using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Newsletter.Delivery.Transports;

/// <summary>How messages leave. Section <c>Newsletter:Delivery</c>.</summary>
public sealed class DeliveryOptions
{
    public const string SectionName = "Newsletter:Delivery";

    public MailTransportKind Transport { get; set; } = MailTransportKind.Pickup;

    /// <summary>Messages per batch job.</summary>
    [Range(1, 10000, ErrorMessage = "Newsletter:Delivery:BatchSize must be between 1 and 10000.")]
    public int BatchSize { get; set; } = 100;

    /// <summary>Folder the pickup transport writes to; relative paths are resolved against the content root.</summary>
    [Required(ErrorMessage = "Newsletter:Delivery:PickupDirectory is required, e.g. data/outbox.")]
    public string PickupDirectory { get; set; } = "data/outbox";

    [ValidateObjectMembers]
    public SmtpOptions Smtp { get; set; } = new();
}
