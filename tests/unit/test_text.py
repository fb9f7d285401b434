"""Vietnamese text: NFC in, search folding that ignores diacritics, ASCII file names."""

import unicodedata

from station.text import ascii_slug, fold, nfc


def test_nfc_makes_viet_four_code_points() -> None:
    decomposed = unicodedata.normalize("NFD", "Việt")
    assert len(decomposed) == 6
    assert nfc(decomposed) == "Việt" and len(nfc(decomposed)) == 4


def test_fold_matches_with_and_without_diacritics() -> None:
    assert fold("Lai Châu") == fold("lai chau") == "lai chau"
    assert fold("Đường Mường Tè") == "duong muong te"
    assert fold(unicodedata.normalize("NFD", "Sìn Hồ")) == "sin ho"
    assert fold("  Tân   Uyên ") == "tan uyen"


def test_fold_keeps_other_scripts() -> None:
    assert fold("老街") == "老街"
    assert fold("ꪼꪕ") == "ꪼꪕ"  # Tai Viet letters are not diacritics


def test_ascii_slug_for_delivery_names() -> None:
    assert ascii_slug("Lai Châu – miền đất của những đỉnh núi") == (
        "lai_chau_mien_dat_cua_nhung_dinh_nui"
    )
    assert ascii_slug("!!!") == "untitled"
    assert ascii_slug("Phong Thổ", sep="-").isascii()
