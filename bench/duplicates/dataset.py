"""A labelled set of production sites shaped like Open Supply Hub's public data, made by seeded code.

Each record has OSH's fields (name, address, country, city, coordinates, sectors, number of workers,
location and processing type, sometimes an OS ID) and the id of the real site it describes, so the
true duplicate pairs are known. Duplicates are written differently, as sites are registered twice in
practice: legal forms (Ltd / Limited / Co., Ltd.), punctuation and case, generic words translated
("Garment Factory" / "Fabrique de vêtements" / "服装厂"), the name in its own script or in Latin letters
(pinyin, Vietnamese without accents, Turkish without its letters, the usual romanisation of Bengali,
Arabic and Khmer names, not the transliterator's), a typo, address variants, coordinates within about
100 m or missing. Hard negatives: one name in several cities, chains of numbered units ("Shahi Exports
Unit 1..12"), names of common words only, lookalike names in one city, tenants of one building.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

SEED = 2026

# City: (Latin name, other spellings, centre lat, lon, name in the country's script, its districts)
CITIES = {
    "BD": [("Dhaka", ["Dacca"], 23.81, 90.41, "ঢাকা", ["Mirpur", "Tejgaon", "Uttara"]),
           ("Gazipur", [], 24.00, 90.42, "গাজীপুর", ["Tongi", "Konabari", "Kashimpur"]),
           ("Narayanganj", [], 23.62, 90.50, "নারায়ণগঞ্জ", ["Fatullah", "Siddhirganj"]),
           ("Chattogram", ["Chittagong"], 22.36, 91.78, "চট্টগ্রাম", ["CEPZ", "Kalurghat", "Bayezid"])],
    "CN": [("Dongguan", [], 23.02, 113.75, "东莞", ["Humen", "Changan", "Houjie"]),
           ("Shenzhen", [], 22.54, 114.06, "深圳", ["Baoan", "Longgang"]),
           ("Ningbo", [], 29.87, 121.54, "宁波", ["Yinzhou", "Beilun"]),
           ("Guangzhou", ["Canton"], 23.13, 113.26, "广州", ["Panyu", "Baiyun"])],
    "VN": [("Ho Chi Minh City", ["TP. Hồ Chí Minh", "Saigon"], 10.82, 106.63, "Hồ Chí Minh", ["Tân Bình", "Gò Vấp"]),
           ("Hanoi", ["Hà Nội"], 21.03, 105.85, "Hà Nội", ["Long Biên", "Gia Lâm"]),
           ("Binh Duong", ["Bình Dương"], 11.17, 106.65, "Bình Dương", ["Thuận An", "Dĩ An"])],
    "TR": [("Istanbul", ["İstanbul"], 41.01, 28.98, "İstanbul", ["Bağcılar", "Esenyurt", "Zeytinburnu"]),
           ("Izmir", ["İzmir"], 38.42, 27.14, "İzmir", ["Bornova", "Torbalı"]),
           ("Denizli", [], 37.78, 29.09, "Denizli", ["Merkezefendi", "Pamukkale"])],
    "EG": [("Cairo", ["El Qahira"], 30.04, 31.24, "القاهرة", ["Shubra", "Nasr City"]),
           ("Alexandria", ["El Iskandariya"], 31.20, 29.92, "الإسكندرية", ["Borg El Arab", "Amreya"]),
           ("10th of Ramadan", ["Tenth of Ramadan"], 30.29, 31.74, "العاشر من رمضان", ["Industrial Zone A1"])],
    "KH": [("Phnom Penh", [], 11.56, 104.92, "ភ្នំពេញ", ["Dangkao", "Meanchey", "Pur Senchey"]),
           ("Kampong Speu", [], 11.45, 104.52, "កំពង់ស្ពឺ", ["Samraong Tong"]),
           ("Kandal", [], 11.23, 105.13, "កណ្ដាល", ["Ang Snuol", "Ta Khmau"])],
    "IN": [("Tiruppur", ["Tirupur"], 11.11, 77.34, "Tiruppur", ["Avinashi Road", "Palladam"]),
           ("Gurugram", ["Gurgaon"], 28.46, 77.03, "Gurugram", ["Udyog Vihar", "Manesar"]),
           ("Bengaluru", ["Bangalore"], 12.97, 77.59, "Bengaluru", ["Peenya", "Bommasandra"])],
}

# Distinctive names: (Latin as a person writes it, in the country's script or None)
NAMES = {
    "BD": [("Surma", "সুরমা"), ("Meghna", "মেঘনা"), ("Padma", "পদ্মা"), ("Jamuna", "যমুনা"), ("Rupsha", "রূপসা"),
           ("Teesta", "তিস্তা"), ("Karnaphuli", "কর্ণফুলী"), ("Rahman", "রহমান"), ("Nila", "নীলা"), ("Akash", "আকাশ"),
           ("Sabuj", "সবুজ"), ("Baishakhi", "বৈশাখী"), ("Digonto", "দিগন্ত"), ("Prantik", "প্রান্তিক"),
           ("Sunrise", None), ("Evergreen", None), ("Pioneer", None), ("Crystal", None), ("Orient", None),
           ("Paramount", None), ("Rising Sun", None), ("Lotus", None), ("Ananta", None), ("Hameem", None),
           ("Envoy", None), ("Epyllion", None), ("Fakir", None), ("Masco", None), ("Mondol", None), ("Snowtex", None),
           ("Tarasima", None), ("Urmi", None), ("Viyellatex", None), ("Babylon", None), ("Dird", None),
           ("Square", None), ("Beximco", None), ("Interstoff", None), ("Aman", None), ("Pacific Jeans", None)],
    "CN": [("Huali", "华丽"), ("Yongxing", "永兴"), ("Jinda", "金达"), ("Hongsheng", "宏盛"), ("Xinli", "新利"),
           ("Xiangyuan", "祥源"), ("Xintai", "鑫泰"), ("Hengchang", "恒昌"), ("Fulong", "富隆"), ("Jiamei", "嘉美"),
           ("Hongfeng", "鸿丰"), ("Jinrong", "锦荣"), ("Tianyi", "天逸"), ("Dahua", "大华"), ("Mingyang", "明阳"),
           ("Shengda", "盛达"), ("Haixing", "海星"), ("Jiahe", "佳禾"), ("Ruifeng", "瑞丰"), ("Baoli", "宝丽"),
           ("Yida", "义达"), ("Zhongxing", "中兴"), ("Huafu", "华孚"), ("Weixing", "伟星"), ("Longsheng", "龙盛")],
    "VN": [("Việt Tiến", None), ("Thành Công", None), ("Phong Phú", None), ("Hòa Thọ", None), ("Nhà Bè", None),
           ("Đức Giang", None), ("Phương Đông", None), ("An Phước", None), ("Việt Thắng", None),
           ("Bình Minh", None), ("Hoàng Gia", None), ("Thiên Long", None), ("Phú Thành", None), ("Hữu Nghị", None),
           ("Sông Hồng", None), ("Trường Sơn", None), ("Đông Á", None), ("Minh Anh", None), ("Tân Tiến", None)],
    "TR": [("Işık", None), ("Çınar", None), ("Yıldız", None), ("Güneş", None), ("Şahin", None), ("Doğan", None),
           ("Kılıç", None), ("Aydın", None), ("Yılmaz", None), ("Çelik", None), ("Öztürk", None), ("İpek", None),
           ("Altın", None), ("Deniz", None), ("Ege", None), ("Karadeniz", None), ("Boğaziçi", None), ("Özgür", None)],
    "EG": [("Al Noor", "النور"), ("Al Amin", "الأمين"), ("Al Nasr", "النصر"), ("Al Huda", "الهدى"),
           ("Al Salam", "السلام"), ("Al Fajr", "الفجر"), ("El Shorouk", "الشروق"), ("Delta", "الدلتا"),
           ("Misr", "مصر"), ("Al Ahram", "الأهرام"), ("Al Baraka", "البركة"), ("Al Wafaa", "الوفاء"),
           ("Al Rayan", "الريان"), ("Al Amal", "الأمل"), ("Al Zahraa", "الزهراء"), ("Nile", None),
           ("Oriental Weavers", None), ("Golden Tex", None)],
    "KH": [("Angkor", "អង្គរ"), ("Sokha", "សុខា"), ("Mekong", "មេគង្គ"), ("Samnang", "សំណាង"), ("Bopha", "បុប្ផា"),
           ("Soriya", "សូរិយា"), ("Tara", "តារា"), ("Vattanak", "វឌ្ឍនៈ"), ("Reaksmey", "រស្មី"), ("Pich", "ពេជ្រ"),
           ("Chey", "ជ័យ"), ("Kanha", "កញ្ញា"), ("Mara", "ម៉ារ៉ា"), ("Sros", "ស្រស់"),
           ("Grand Twins", None), ("Quantum", None), ("Yakjin", None), ("New Wide", None)],
    "IN": [("Shahi", None), ("Arvind", None), ("Gokaldas", None), ("Texport", None), ("Orient Craft", None),
           ("Richa", None), ("Eastman", None), ("KPR", None), ("Pearl", None), ("Raymond", None), ("Vardhman", None),
           ("Welspun", None), ("Trident", None), ("Alok", None), ("Bombay Rayon", None), ("Page", None),
           ("Laguna", None), ("Celebrity", None), ("Indian Designs", None), ("Matrix", None)],
}

# Generic words: (English, the country's own words, the country's script) per concept
GENERIC = {
    "garment": {"en": ["Garments", "Apparels", "Garment", "Fashions", "Apparel"], "fr": "Fabrique de vêtements",
                "CN": "服装", "VN": "May", "TR": "Konfeksiyon", "EG": "للملابس", "KH": "កាត់ដេរ", "BD": "গার্মেন্টস"},
    "knit": {"en": ["Knitwear", "Knit", "Knitting", "Knits"], "fr": "Bonneterie", "CN": "针织", "VN": "Dệt Kim", "TR": "Örme",
             "EG": "تريكو", "KH": "ត្បាញ", "BD": "নিটওয়্যার"},
    "textile": {"en": ["Textiles", "Textile", "Textile Mills"], "fr": "Usine textile", "CN": "纺织", "VN": "Dệt", "TR": "Tekstil",
                "EG": "للنسيج", "KH": "វាយនភណ្ឌ", "BD": "টেক্সটাইল"},
    "denim": {"en": ["Denim", "Denims", "Jeans"], "fr": "Fabrique de jeans", "CN": "牛仔", "VN": "Denim", "TR": "Denim", "EG": "دنيم",
              "KH": "ខោខូវប៊ូយ", "BD": "ডেনিম"},
}
LEGAL = {"BD": ["Ltd", "Ltd.", "Limited", "Pvt. Ltd.", ""], "IN": ["Pvt Ltd", "Private Limited", "Ltd.", ""],
         "CN": ["Co., Ltd.", "Co. Ltd", "Company Limited", ""], "VN": ["Co., Ltd", "Company Limited", "JSC", ""],
         "TR": ["San. ve Tic. A.Ş.", "Sanayi ve Ticaret A.Ş.", "Ltd. Şti.", ""], "EG": ["S.A.E.", "Co.", ""],
         "KH": ["Co., Ltd.", "(Cambodia) Co., Ltd.", ""]}
SECTORS = [["Apparel"], ["Apparel", "Textiles"], ["Textiles"], ["Apparel", "Footwear"], ["Home Textiles", "Textiles"]]
LOCATION_TYPES = ["Final Product Assembly", "Raw Material Processing or Production", "Textile or Material Production"]
PROCESSING = [["Cutting", "Sewing"], ["Knitting", "Dyeing"], ["Weaving"], ["Sewing", "Finishing", "Packing"],
              ["Printing", "Embroidery"], ["Washing"]]
ROAD_WORDS = [("Road", "Rd."), ("Street", "St."), ("Highway", "Hwy")]


@dataclass
class Record:
    """One record of a site as some registrant wrote it; ``site`` is the real site's label."""

    record_id: str
    site: str
    country: str
    name: str
    city: str | None
    address: str | None
    coordinates: dict | None
    sectors: list[str]
    number_of_workers: str
    location_type: str
    processing_type: list[str]
    identifiers: dict = field(default_factory=dict)
    kind: str = "site"  # what the generator made it as: site, duplicate, same_name_elsewhere, chain_unit...

    def details(self) -> dict:
        """The record as the registry's SiteDetails take it."""
        return {"name": self.name, "country": self.country, "city": self.city, "address": self.address,
                "coordinates": self.coordinates, "sectors": self.sectors, "number_of_workers": self.number_of_workers,
                "location_type": self.location_type, "processing_type": self.processing_type,
                "identifiers": self.identifiers}


@dataclass
class _Site:
    """The truth about a real site, from which records are written."""

    label: str
    country: str
    city: tuple
    distinct: tuple[str, str | None]
    concept: str
    legal: str
    district: str
    plot: int
    road: int
    lat: float
    lon: float
    unit: int | None = None
    floor: int | None = None


class _Writer:
    def __init__(self, chance: random.Random) -> None:
        self.chance = chance

    def name(self, site: _Site, script: bool, translated: bool, legal: str | None = None) -> str:
        """The site's name, in the country's script or in Latin letters, generic words in English or not."""
        c, country = self.chance, site.country
        latin, own = site.distinct
        generic = GENERIC[site.concept]
        legal = site.legal if legal is None else legal
        unit = f" Unit {site.unit}" if site.unit else ""
        if script and country == "CN" and own:
            return f"{site.city[4]}{own}{generic['CN']}{'厂' if c.random() < .5 else '有限公司'}"
        if script and country in ("BD", "EG", "KH") and own:
            word = generic[country]
            if country == "EG":
                return f"{c.choice(['مصنع', 'شركة'])} {own} {word}"
            if country == "KH":
                return f"រោងចក្រ{word} {own}"
            return f"{own} {word} লিমিটেড"
        if not translated and country == "VN":
            return f"Công ty TNHH {generic['VN']} {latin}{unit}"
        if not translated and country == "TR":
            return f"{latin} {generic['TR']} {legal}".strip()
        if not translated and country in ("EG", "KH") and c.random() < .3:
            return f"{generic['fr']} {_plain(latin)}".strip()  # some registrants write French
        english = c.choice(generic["en"])
        city = f"{site.city[0]} " if country == "CN" and c.random() < .5 else ""
        plain = _plain(latin) if country in ("VN", "TR") else latin
        return f"{city}{plain} {english}{unit} {legal}".strip()

    def variant(self, name: str) -> str:
        """The same name written by someone else: case, punctuation, legal form, a typo."""
        c = self.chance
        changes = c.sample(["case", "punctuation", "legal", "typo", "none"], 2)
        for change in changes:
            if change == "case":
                name = c.choice([str.upper, str.lower, str.title])(name)
            elif change == "punctuation":
                name = name.replace(".", "").replace(",", "") if c.random() < .5 else name.replace(" ", " - ", 1)
            elif change == "legal":
                for old, new in (("Limited", "Ltd"), ("Ltd.", "Limited"), ("Co., Ltd.", "Company Limited"),
                                 ("Pvt Ltd", "Private Limited"), ("Ltd", "Limited")):
                    if old in name:
                        name = name.replace(old, new, 1)
                        break
            elif change == "typo" and name.isascii():
                words = name.split()
                longest = max(range(len(words)), key=lambda i: len(words[i]))
                word = words[longest]
                if len(word) > 5:
                    at = c.randrange(2, len(word) - 1)
                    words[longest] = word[:at] + word[at + 1:] if c.random() < .5 else word[:at] + word[at] + word[at:]
                name = " ".join(words)
        return name

    def address(self, site: _Site, variant: bool) -> str:
        c = self.chance
        road, short = c.choice(ROAD_WORDS) if variant else ROAD_WORDS[0]
        floor = f", Floor {site.floor}" if site.floor else ""
        if site.country == "CN" and variant and c.random() < .4:
            return f"{site.city[4]}市{site.district}镇{site.road}路{site.plot}号"
        if site.country == "VN" and variant and c.random() < .5:
            return f"Số {site.plot}, Đường số {site.road}, KCN {site.district}, {site.city[4]}"
        if not variant:
            return f"Plot {site.plot}{floor}, {road} {site.road}, {site.district}, {site.city[0]}"
        forms = [f"Plot No. {site.plot}{floor}, {short} {site.road}, {site.district} Industrial Area, {site.city[0]}",
                 f"{site.plot}{floor.replace('Floor', 'fl.')} {site.district} {road} {site.road}",
                 f"plot {site.plot}{floor} {road.lower()} no {site.road} {site.district}",
                 f"{site.district}, {site.city[0]} {c.randint(1000, 9999)}, plot {site.plot}{floor}, {short} {site.road}"]
        return c.choice(forms)


def _plain(text: str) -> str:
    """Without accents and Turkish letters, as typed on a Latin keyboard."""
    import unicodedata
    text = text.replace("ı", "i").replace("İ", "I").replace("đ", "d").replace("Đ", "D")
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def _offset(lat: float, lon: float, metres: float, chance: random.Random) -> tuple[float, float]:
    import math
    angle = chance.uniform(0, 2 * math.pi)
    d_lat = metres * math.cos(angle) / 111_320
    d_lon = metres * math.sin(angle) / (111_320 * math.cos(math.radians(lat)))
    return round(lat + d_lat, 6), round(lon + d_lon, 6)


def build(seed: int = SEED, sites_per_country: int = 110) -> list[Record]:
    """The labelled records, always the same for one seed: about 1,300 records, 350 true duplicate pairs."""
    c = random.Random(seed)
    w = _Writer(c)
    records: list[Record] = []
    serial = iter(range(1, 10**6))

    taken: set[tuple] = set()  # (country, city, name, product): one real site each, as in a city's registry

    def new_site(country: str, **overrides) -> _Site:
        city = overrides.pop("city", None) or c.choice(CITIES[country])
        lat, lon = _offset(city[2], city[3], c.uniform(200, 9000), c)
        given = overrides.pop("distinct", None)
        for _ in range(1000):
            distinct, concept = given or c.choice(NAMES[country]), overrides.pop("concept", None) or c.choice(
                list(GENERIC))
            if (country, city[0], distinct, concept) not in taken or overrides.get("unit"):
                break
        taken.add((country, city[0], distinct, concept))
        site = _Site(label=f"{country}-{next(serial):05d}", country=country, city=city, distinct=distinct,
                     concept=concept, legal=c.choice(LEGAL.get(country, LEGAL["BD"])),
                     district=c.choice(city[5]), plot=c.randint(1, 400), road=c.randint(1, 60), lat=lat, lon=lon)
        for key, value in overrides.items():
            setattr(site, key, value)
        return site

    def record(site: _Site, kind: str, duplicate: bool = False) -> Record:
        own_script = site.distinct[1] is not None and c.random() < (.5 if duplicate else .35)
        if site.country == "VN":
            own_script = c.random() < .5
        translated = c.random() < .5
        name = w.name(site, script=own_script, translated=translated)
        if duplicate and c.random() < .6:
            name = w.variant(name)
        coordinates = None
        if c.random() < .85:
            lat, lon = _offset(site.lat, site.lon, c.uniform(0, 90), c) if duplicate else (site.lat, site.lon)
            coordinates = {"lat": lat, "lon": lon}
        address = w.address(site, variant=duplicate) if c.random() < .9 else None
        city = site.city[0]
        if duplicate and site.city[1] and c.random() < .3:
            city = c.choice(site.city[1])
        identifiers = {}
        if c.random() < .1:
            identifiers = {"os_id": f"{site.country}{2019 + int(site.label[-5:]) % 6}{int(site.label[-5:]):07d}A"}
        return Record(
            record_id=f"r{next(serial):05d}", site=site.label, country=site.country, name=name, city=city,
            address=address, coordinates=coordinates, sectors=c.choice(SECTORS),
            number_of_workers=c.choice(["1-100", "101-500", "501-1000", "1001-5000", str(c.randint(50, 3000))]),
            location_type=c.choice(LOCATION_TYPES), processing_type=c.choice(PROCESSING), identifiers=identifiers,
            kind=kind)

    for country in CITIES:
        for _ in range(sites_per_country):
            site = new_site(country)
            records.append(record(site, "site"))
            if c.random() < .45:  # registered again by someone else
                records.append(record(site, "duplicate", duplicate=True))
                if c.random() < .1:
                    records.append(record(site, "duplicate", duplicate=True))
        # Hard negatives. One name in several cities: another site, elsewhere.
        for _ in range(12):
            first = new_site(country)
            records.append(record(first, "same_name_elsewhere"))
            other_city = c.choice([city for city in CITIES[country] if city is not first.city])
            second = new_site(country, city=other_city, distinct=first.distinct, concept=first.concept)
            second.legal = first.legal
            records.append(record(second, "same_name_elsewhere"))
        # Lookalike names in one city: another product, another street.
        for _ in range(8):
            first = new_site(country)
            second = new_site(country, city=first.city, distinct=first.distinct,
                              concept=c.choice([k for k in GENERIC if k != first.concept]))
            records += [record(first, "lookalike_same_city"), record(second, "lookalike_same_city")]
        # Tenants of one building: other names, other floors, the same plot and spot.
        for _ in range(5):
            first = new_site(country, floor=c.randint(1, 4))
            second = new_site(country, city=first.city, floor=first.floor + c.randint(1, 4), plot=first.plot,
                              road=first.road, district=first.district, lat=first.lat, lon=first.lon)
            records += [record(first, "same_building"), record(second, "same_building")]
    # Chains with many sites: numbered units of one group in several cities, each a site.
    for country, group in (("IN", ("Shahi", None)), ("BD", ("Hameem", None)), ("VN", ("Việt Tiến", None))):
        cities = CITIES[country]
        for unit in range(1, 13):
            site = new_site(country, city=cities[unit % len(cities)], distinct=group, unit=unit, concept="garment")
            site.legal = LEGAL[country][0]
            records.append(record(site, "chain_unit"))
            if unit % 4 == 0:
                records.append(record(site, "duplicate", duplicate=True))
    # Names of common words only ("Garment Factory"), in different places.
    for country in ("BD", "CN", "KH"):
        for _ in range(6):
            site = new_site(country)
            word = c.choice(GENERIC[site.concept]["en"])
            records.append(Record(
                record_id=f"r{next(serial):05d}", site=site.label, country=country, name=f"{word} Factory",
                city=site.city[0], address=w.address(site, False), coordinates={"lat": site.lat, "lon": site.lon},
                sectors=["Apparel"], number_of_workers="101-500", location_type=LOCATION_TYPES[0],
                processing_type=["Sewing"], kind="common_words"))
    return records


def true_pairs(records: list[Record]) -> set[tuple[str, str]]:
    """Every pair of records of one real site (ids in order)."""
    by_site: dict[str, list[str]] = {}
    for item in records:
        by_site.setdefault(item.site, []).append(item.record_id)
    return {(a, b) for ids in by_site.values() for i, a in enumerate(sorted(ids)) for b in sorted(ids)[i + 1:]}
