using System;

namespace ClickAnalytics.Enrichment.UserAgents;

/// <summary>
/// Derives the device class from the parsed fields and the string itself. uap-core names devices
/// but does not classify them, so the class comes from the conventions browsers and vendors
/// follow: checks run from the most specific class to the least, because the weaker signals
/// overlap (an iPad says "Mobile", an Xbox says "Windows NT", an Android TV lacks "Mobile" like a
/// tablet does).
/// </summary>
internal static class DeviceTypeClassifier
{
    private static readonly string[] ConsoleTokens = ["PlayStation", "Xbox", "Nintendo", "OUYA", "PLAYSTATION"];

    private static readonly string[] TvTokens =
    [
        "SmartTV", "SMART-TV", "Smart TV", "SMART_TV", "HbbTV", "GoogleTV", "Google TV", "AppleTV", "Apple TV", "tvOS",
        "Roku", "BRAVIA", "Web0S", "webOS.TV", "WebOS TV", "NetCast", "CrKey", "Android TV", "AndroidTV", "NETTV",
        "Opera TV", "Chromecast", "Large Screen", "TV Safari", "Freebox", "VIZIO", "DTV", "Philips TV", "SonyDTV",
        "; TV;", "TV Store", "Fire TV", "FireTV",
        "; AFT", "Hisense", "Viera", "BoxeeBox", "GoogleTV", "POV_TV", "SMART TV", "Smart-TV", "smart-tv", "smarttv", "hbbtv", "(TV;", "; Tizen TV",
    ];

    private static readonly string[] WearableTokens =
    [
        "watchOS", "Apple Watch", "Wear OS", "WearOS", "Android Wear", "Galaxy Watch", "Pixel Watch", "TicWatch",
        "Glass 1", "Google Glass", "; SM-R", "SAMSUNG SM-R", "Gear Live", "Moto 360", "SmartWatch",
    ];

    private static readonly string[] TabletTokens =
    [
        "iPad", "Tablet", "Kindle", "Silk/", "PlayBook", "Nexus 7", "Nexus 9", "Nexus 10", "Pixel C", "SM-T", "SM-X",
        "SM-P", "GT-P", "GT-N5", "GT-N8", "MediaPad", "Lenovo TB", "Lenovo TAB", "IdeaTab", "Xoom", "KFTT", "KFOT",
        "KFJW", "KFTH", "KFAP", "KFSOWI", "KFTHW", "KFAR", "KFMU", "KFKA", "KFGI", "KFDOWI", "Transformer", "TouchPad",
        "Galaxy Tab", "; Tab ", "MatePad", "Nook", "Touch; ARM", "ARM; Touch",
    ];

    private static readonly string[] MobileTokens =
    [
        "iPhone", "iPod", "Mobile", "mobile", "MOBILE", "Mobi", "Windows Phone", "BlackBerry", "BB10", "Opera Mini", "KaiOS", "Symbian",
        "Series60", "Series 60", "J2ME", "MIDP", "Nokia", "IEMobile", "UCWEB", "UCBrowser", "Fennec", "webOS",
        "hpwOS", "Palm", "Windows CE", "Minimo", "NetFront", "Obigo", "SonyEricsson", "Samsung-SGH", "SAMSUNG-GT",
        "phone", "Phone", "Bada", "Maemo", "SailfishOS", "Ubuntu Touch", "Firefox OS", "Kyocera", "DoCoMo", "KDDI",
        "SoftBank", "Vodafone", "portalmmm", "Alcatel", "LG-", "MOT-", "SIE-", "Huawei", "HUAWEI", "ZTE", "Lumia",
    ];

    private static readonly string[] DesktopTokens =
    [
        "Windows NT", "Windows 98", "Windows 95", "Win98", "Win95", "Windows XP", "Windows ME", "Macintosh", "Mac OS X",
        "X11", "CrOS", "Linux x86_64", "Linux i686", "FreeBSD", "OpenBSD", "NetBSD", "SunOS", "Haiku", "Win64", "WOW64",
        "Ubuntu", "Fedora", "Debian",
    ];

    /// <summary>The class of a user agent (one of <see cref="DeviceType"/>'s values).</summary>
    public static string Classify(string userAgent, string osFamily, string deviceFamily, string deviceBrand, string deviceModel, bool isBot)
    {
        if (isBot || deviceFamily == "Spider")
        {
            return DeviceType.Bot;
        }

        if (string.IsNullOrWhiteSpace(userAgent))
        {
            return DeviceType.Unknown;
        }

        if (HasAny(userAgent, ConsoleTokens) || deviceBrand is "Nintendo" || deviceFamily.StartsWith("PlayStation", StringComparison.Ordinal)
            || deviceFamily.StartsWith("Xbox", StringComparison.Ordinal))
        {
            return DeviceType.Console;
        }

        if (HasAny(userAgent, TvTokens) || osFamily == "tvOS" || deviceFamily == "AppleTV"
            || deviceFamily.Contains("Smart TV", StringComparison.OrdinalIgnoreCase) || deviceFamily.StartsWith("Fire TV", StringComparison.Ordinal))
        {
            return DeviceType.Tv;
        }

        if (HasAny(userAgent, WearableTokens) || osFamily is "WatchOS" or "watchOS" || deviceFamily == "Apple Watch"
            || deviceModel.StartsWith("SM-R", StringComparison.Ordinal))
        {
            return DeviceType.Wearable;
        }

        if (HasAny(userAgent, TabletTokens) || deviceFamily == "iPad" || deviceFamily.StartsWith("Kindle", StringComparison.Ordinal))
        {
            // Old Windows UAs say "Tablet PC" on any machine with pen drivers installed.
            bool windowsTabletPc = userAgent.Contains("Tablet PC", StringComparison.Ordinal) && !userAgent.Contains("Touch", StringComparison.Ordinal);
            if (!windowsTabletPc)
            {
                return DeviceType.Tablet;
            }
        }

        if (HasAny(userAgent, MobileTokens) || osFamily is "iOS" or "Windows Phone" or "BlackBerry OS" or "Symbian OS" or "KaiOS" or "Firefox OS"
            || deviceFamily.StartsWith("Generic Feature Phone", StringComparison.Ordinal) || deviceFamily == "Generic Smartphone"
            || deviceFamily == "iPhone")
        {
            return DeviceType.Mobile;
        }

        // Browsers on Android phones say "Mobile"; on tablets they leave it out (Google's convention).
        // App strings (Dalvik, SDKs) follow no such convention, and most of them come from phones.
        if (osFamily == "Android" || userAgent.Contains("Android", StringComparison.OrdinalIgnoreCase))
        {
            return userAgent.Contains("Safari/", StringComparison.Ordinal) || userAgent.Contains("Gecko/", StringComparison.Ordinal)
                ? DeviceType.Tablet
                : DeviceType.Mobile;
        }

        if (HasAny(userAgent, DesktopTokens) || osFamily.StartsWith("Windows", StringComparison.Ordinal) || osFamily is "Mac OS X" or "Linux"
            or "Chrome OS" or "ChromeOS" or "Ubuntu" or "FreeBSD" || deviceFamily == "Mac")
        {
            return DeviceType.Desktop;
        }

        return DeviceType.Unknown;
    }

    private static bool HasAny(string text, string[] tokens)
    {
        foreach (string token in tokens)
        {
            // Case matters: ignoring it lets short tokens hide inside words ("CrOS" in "MicrOSoft").
            if (text.Contains(token, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
