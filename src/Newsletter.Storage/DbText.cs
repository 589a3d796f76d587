using System.Globalization;
using Newsletter.Core.Deliveries;
using Newsletter.Core.Stories;

namespace Newsletter.Storage;

/// <summary>How values are written as SQLite text: UTC ISO 8601 timestamps and ISO dates, so text order is time order.</summary>
internal static class DbText
{
    public static string Timestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    public static string? Timestamp(DateTimeOffset? value) => value is { } v ? Timestamp(v) : null;

    public static DateTimeOffset ParseTimestamp(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    public static DateTimeOffset? ParseTimestampOrNull(string? text) => text is null ? null : ParseTimestamp(text);

    public static string Date(DateOnly value) => value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static DateOnly ParseDate(string text) => DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string Section(StorySection section) => section switch
    {
        StorySection.Intro => "intro",
        StorySection.News => "news",
        StorySection.Papers => "papers",
        StorySection.Media => "media",
        StorySection.Closing => "closing",
        _ => throw new ArgumentOutOfRangeException(nameof(section), section, "Unknown story section."),
    };

    public static StorySection ParseSection(string text) => text switch
    {
        "intro" => StorySection.Intro,
        "news" => StorySection.News,
        "papers" => StorySection.Papers,
        "media" => StorySection.Media,
        "closing" => StorySection.Closing,
        _ => throw new InvalidDataException($"Unknown story section '{text}' in the database."),
    };

    public static string SendState(SendState state) => state switch
    {
        Core.Deliveries.SendState.Scheduled => "scheduled",
        Core.Deliveries.SendState.Running => "running",
        Core.Deliveries.SendState.Paused => "paused",
        Core.Deliveries.SendState.Cancelled => "cancelled",
        Core.Deliveries.SendState.Finished => "finished",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Unknown send state."),
    };

    public static SendState ParseSendState(string text) => text switch
    {
        "scheduled" => Core.Deliveries.SendState.Scheduled,
        "running" => Core.Deliveries.SendState.Running,
        "paused" => Core.Deliveries.SendState.Paused,
        "cancelled" => Core.Deliveries.SendState.Cancelled,
        "finished" => Core.Deliveries.SendState.Finished,
        _ => throw new InvalidDataException($"Unknown send state '{text}' in the database."),
    };

    public static DeliveryState ParseDeliveryState(string text) => text switch
    {
        "pending" => DeliveryState.Pending,
        "sending" => DeliveryState.Sending,
        "sent" => DeliveryState.Sent,
        "failed" => DeliveryState.Failed,
        "deferred" => DeliveryState.Deferred,
        "suppressed" => DeliveryState.Suppressed,
        "cancelled" => DeliveryState.Cancelled,
        _ => throw new InvalidDataException($"Unknown delivery state '{text}' in the database."),
    };

    public static string SuppressionReason(Core.Lists.SuppressionReason reason) => reason switch
    {
        Core.Lists.SuppressionReason.Unsubscribed => "unsubscribed",
        Core.Lists.SuppressionReason.HardBounce => "hard_bounce",
        Core.Lists.SuppressionReason.SoftBounce => "soft_bounce",
        Core.Lists.SuppressionReason.Complaint => "complaint",
        Core.Lists.SuppressionReason.Refused => "refused",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "Unknown suppression reason."),
    };

    public static Core.Lists.SuppressionReason ParseSuppressionReason(string text) => text switch
    {
        "unsubscribed" => Core.Lists.SuppressionReason.Unsubscribed,
        "hard_bounce" => Core.Lists.SuppressionReason.HardBounce,
        "soft_bounce" => Core.Lists.SuppressionReason.SoftBounce,
        "complaint" => Core.Lists.SuppressionReason.Complaint,
        "refused" => Core.Lists.SuppressionReason.Refused,
        _ => throw new InvalidDataException($"Unknown suppression reason '{text}' in the database."),
    };
}
