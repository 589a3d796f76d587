using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Newsletter.Delivery.Tls;

namespace Newsletter.Delivery.Transports;

/// <summary>
/// Rules on <see cref="DeliveryOptions"/> that depend on each other (SMTP settings only matter for the SMTP transport), and the
/// trusted-CA file, which is read here so that a missing or unreadable file stops the start rather than the first send.
/// </summary>
public sealed class DeliveryOptionsValidator(IHostEnvironment? environment = null) : IValidateOptions<DeliveryOptions>
{
    private const string Smtp = DeliveryOptions.SectionName + ":Smtp";

    public ValidateOptionsResult Validate(string? name, DeliveryOptions options)
    {
        var failures = new List<string>();

        if (!Enum.IsDefined(options.Transport))
            failures.Add($"{DeliveryOptions.SectionName}:Transport '{options.Transport}' is not one of: {string.Join(", ", Enum.GetNames<MailTransportKind>())}.");

        if (options.Transport == MailTransportKind.Smtp)
        {
            var smtp = options.Smtp ?? new SmtpOptions();

            if (string.IsNullOrWhiteSpace(smtp.Host))
                failures.Add($"{Smtp}:Host is required when {DeliveryOptions.SectionName}:Transport is Smtp. Set it to your relay's host name, or set Transport to Pickup.");

            // Data annotations check these too, but nested validation depends on how the lead wires it up.
            if (smtp.Port is < 1 or > 65535)
                failures.Add($"{Smtp}:Port {smtp.Port} must be between 1 and 65535.");
            if (smtp.TimeoutSeconds is < 1 or > 3600)
                failures.Add($"{Smtp}:TimeoutSeconds {smtp.TimeoutSeconds} must be between 1 and 3600.");
            if (!Enum.IsDefined(smtp.Security))
                failures.Add($"{Smtp}:Security '{smtp.Security}' is not one of: {string.Join(", ", Enum.GetNames<SmtpSecurity>())}.");
            if (!string.IsNullOrEmpty(smtp.User) && string.IsNullOrEmpty(smtp.Password))
                failures.Add($"{Smtp}:Password is required when {Smtp}:User is set. Set the environment variable Newsletter__Delivery__Smtp__Password (never put it in appsettings.json).");
            if (!Enum.IsDefined(smtp.CertificateRevocation))
                failures.Add($"{Smtp}:CertificateRevocation '{smtp.CertificateRevocation}' is not one of: {string.Join(", ", Enum.GetNames<CertificateRevocation>())}.");
            if (!string.IsNullOrWhiteSpace(smtp.TrustedCaFile)
                && !TrustedCaFile.TryLoad($"{Smtp}:TrustedCaFile", SmtpMailTransport.ResolvePath(smtp.TrustedCaFile, environment?.ContentRootPath), out _, out var caError))
                failures.Add(caError);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
