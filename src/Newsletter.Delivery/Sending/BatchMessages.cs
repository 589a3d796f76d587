using Newsletter.Delivery.Messages;

namespace Newsletter.Delivery.Sending;

/// <summary>The message side of <see cref="BatchSender"/>: an issue's body, encoded once per process, and each subscriber's message built from it.</summary>
/// <param name="Bodies">The issue's encoded body for the list (the stored rendering).</param>
/// <param name="Builder">Splices each subscriber's name and unsubscribe link into the body, and adds the headers.</param>
public sealed record BatchMessages(IIssueBodySource Bodies, IssueMessageBuilder Builder);
