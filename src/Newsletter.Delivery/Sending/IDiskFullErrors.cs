using Newsletter.Core;

namespace Newsletter.Delivery.Sending;

/// <summary>
/// Tells a full disk from other errors, wherever the send writes (the pickup folder, the store, the job storage), so that
/// <see cref="BatchSender"/> stops the send and names the full file instead of retrying what cannot succeed.
/// </summary>
public interface IDiskFullErrors
{
    /// <returns>The full disk, described, or null when <paramref name="exception"/> (with its inner exceptions) is about something else.</returns>
    DiskFullException? Recognise(Exception exception);
}
