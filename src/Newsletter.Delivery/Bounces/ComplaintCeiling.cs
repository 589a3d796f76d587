using System.Globalization;
using Newsletter.Core.Deliveries;

namespace Newsletter.Delivery.Bounces;

/// <summary>
/// When a send has drawn too many spam complaints to go on: the guardrail that pauses a running send before its complaint
/// rate costs the sender its standing with the mailbox providers (Gmail and Yahoo hold bulk senders under 0.3%).
/// </summary>
/// <remarks>
/// The rate alone never pauses a send. One complaint after 50 messages is 2%, yet it says nothing about the list. A send pauses
/// only when it has both at least <see cref="MinimumDelivered"/> messages accepted by the servers and at least
/// <see cref="MinimumComplaints"/> complaints, and complaints per delivered message are above <see cref="Rate"/>. With the
/// defaults (0.3%, 1,000 delivered, 5 complaints), a list whose real rate is a healthy 0.1% shows 5 complaints in its first
/// 1,000 messages about once in 270 sends (Poisson, mean 1), while a list at 1% (10 expected) has them 97 times in 100.
/// Complaints arrive when readers open their mail, minutes to days after delivery, so the guardrail stops long sends (a rate
/// limit spreading a list over hours) rather than ones that finish in minutes; <c>status</c> shows every send's rate either way.
/// </remarks>
/// <param name="Rate">Complaints per delivered message that are too many (0..1): 0.003 is 0.3%.</param>
/// <param name="MinimumDelivered">Never judge a send with fewer messages delivered (accepted by the receiving server).</param>
/// <param name="MinimumComplaints">Never pause on fewer complaints than this.</param>
public sealed record ComplaintCeiling(double Rate, int MinimumDelivered, int MinimumComplaints)
{
    /// <summary>Whether <paramref name="complaints"/> out of <paramref name="delivered"/> messages is over the ceiling, with enough evidence.</summary>
    public bool IsExceeded(int complaints, int delivered) =>
        delivered > 0 && delivered >= MinimumDelivered && complaints >= MinimumComplaints && (double)complaints / delivered > Rate;

    /// <summary>The rule in one sentence, for <c>check</c> and the logs.</summary>
    public string Describe() =>
        $"a running send pauses when its complaints are above {SendProgress.Percent(Rate)} of the messages delivered, once it has " +
        $"{MinimumDelivered.ToString("N0", CultureInfo.InvariantCulture)} delivered and {MinimumComplaints} complaints";
}
