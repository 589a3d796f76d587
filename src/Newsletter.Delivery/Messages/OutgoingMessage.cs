using MimeKit;

namespace Newsletter.Delivery.Messages;

/// <summary>One subscriber's finished message and the envelope sender (SMTP MAIL FROM, where bounces go) to send it with.</summary>
public sealed record OutgoingMessage(MimeMessage Message, MailboxAddress EnvelopeSender);
