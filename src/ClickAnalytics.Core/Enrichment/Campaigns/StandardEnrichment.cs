using System;
using System.Collections.Generic;
using System.IO;
using ClickAnalytics.Enrichment.Geo;
using ClickAnalytics.Enrichment.Privacy;
using ClickAnalytics.Enrichment.Referers;
using ClickAnalytics.Enrichment.Repeats;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ClickAnalytics.Enrichment.Campaigns;

/// <summary>Registers the built-in geo, referer, campaign, language, privacy and repeat stages.</summary>
internal static class StandardEnrichment
{
    /// <summary>
    /// Adds the stages, their options (bound from <c>ClickAnalytics:Geo</c>, <c>:Referers</c>,
    /// <c>:Campaigns</c>, <c>:Privacy</c>, <c>:Repeats</c> and validated at start) and the in-memory shared-state
    /// stores. The stores are added with TryAdd, so a distributed implementation (Redis) registered
    /// earlier or later with Replace wins.
    /// </summary>
    public static IServiceCollection AddStandardEnrichment(this IServiceCollection services)
    {
        services.AddOptions<GeoOptions>().BindSectionIfConfigured(GeoOptions.SectionName).ValidateOnStart();
        services.AddOptions<RefererOptions>().BindSectionIfConfigured(RefererOptions.SectionName).ValidateOnStart();
        services.AddOptions<PrivacyOptions>().BindSectionIfConfigured(PrivacyOptions.SectionName).ValidateOnStart();
        services.AddOptions<RepeatOptions>().BindSectionIfConfigured(RepeatOptions.SectionName).ValidateOnStart();
        services.AddOptions<CampaignOptions>().BindSectionIfConfigured(CampaignOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GeoOptions>, GeoOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RefererOptions>, RefererOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PrivacyOptions>, PrivacyOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RepeatOptions>, RepeatOptionsValidator>());

        services.TryAddSingleton<IVisitorKeyStore>(static sp =>
        {
            TimeProvider time = sp.GetRequiredService<TimeProvider>();
            byte[]? secret = sp.GetRequiredService<IOptions<PrivacyOptions>>().Value.SharedKeySecretBytes();
            return secret is null ? new InMemoryVisitorKeyStore(time) : new DerivedVisitorKeyStore(secret, time);
        });
        services.TryAddSingleton<IRepeatClickStore, InMemoryRepeatClickStore>();

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IClickEnricher, GeoEnricher>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IClickEnricher, RefererEnricher>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IClickEnricher, CampaignEnricher>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IClickEnricher, LanguageEnricher>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IClickEnricher, PrivacyEnricher>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IClickEnricher, RepeatEnricher>());
        return services;
    }
}

[OptionsValidator]
internal sealed partial class GeoOptionsAnnotationsValidator : IValidateOptions<GeoOptions>;

[OptionsValidator]
internal sealed partial class RepeatOptionsValidator : IValidateOptions<RepeatOptions>;

/// <summary>
/// A configured database that does not exist, or is not a MaxMind database (truncated, another
/// format), fails the start: both are mistakes in the configuration, not conditions to run with.
/// A file replaced by a bad one while running keeps the previous file in use instead.
/// </summary>
internal sealed class GeoOptionsValidator : IValidateOptions<GeoOptions>
{
    public ValidateOptionsResult Validate(string? name, GeoOptions options)
    {
        ValidateOptionsResult annotations = new GeoOptionsAnnotationsValidator().Validate(name, options);
        if (annotations.Failed || !options.Enabled)
        {
            return annotations;
        }

        var failures = new List<string>();
        Check(options.DatabasePath, nameof(GeoOptions.DatabasePath), failures);
        Check(options.Ipv6DatabasePath, nameof(GeoOptions.Ipv6DatabasePath), failures);
        Check(options.AsnDatabasePath, nameof(GeoOptions.AsnDatabasePath), failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(string? path, string option, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return;
        }

        if (!File.Exists(path))
        {
            failures.Add($"ClickAnalytics:Geo:{option} points to '{path}', which does not exist.");
            return;
        }

        try
        {
            GeoDatabaseFile.Open(path).Retire();
        }
        catch (Exception ex)
        {
            failures.Add($"ClickAnalytics:Geo:{option} points to '{path}', which is not a MaxMind database ({ex.Message}).");
        }
    }
}

internal sealed class RefererOptionsValidator : IValidateOptions<RefererOptions>
{
    public ValidateOptionsResult Validate(string? name, RefererOptions options)
    {
        var failures = new List<string>();
        foreach (RefererSourceOptions source in options.Sources)
        {
            if (RefererCatalog.NormalizeDomain(source.Domain).Length == 0 || string.IsNullOrWhiteSpace(source.Source))
            {
                failures.Add("Every ClickAnalytics:Referers:Sources entry needs a Domain and a Source.");
            }

            if (source.Medium is not (RefererMedium.Search or RefererMedium.Social or RefererMedium.Email or RefererMedium.Paid or RefererMedium.Internal or RefererMedium.Unknown))
            {
                failures.Add($"ClickAnalytics:Referers:Sources medium '{source.Medium}' is not one of search, social, email, paid, internal, unknown.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

internal sealed class PrivacyOptionsValidator : IValidateOptions<PrivacyOptions>
{
    public ValidateOptionsResult Validate(string? name, PrivacyOptions options) =>
        !string.IsNullOrWhiteSpace(options.SharedKeySecret) && options.SharedKeySecretBytes() is null
            ? ValidateOptionsResult.Fail("ClickAnalytics:Privacy:SharedKeySecret must be base64 of at least 32 random bytes.")
            : ValidateOptionsResult.Success;
}
